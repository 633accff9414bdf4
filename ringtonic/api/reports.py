"""API endpoints for aggregates: a campaign's geo-data, summary reports and time series."""

from __future__ import annotations

from flask import g, jsonify
from flask.typing import ResponseReturnValue

from ringtonic.api import bp
from ringtonic.api.conditional import answers_conditionally, conditional_answer, weak_etag
from ringtonic.api.errors import ApiProblem
from ringtonic.api.params import QueryParams
from ringtonic.models.types import utcnow
from ringtonic.services.calls.stats import STATUS_FILTERS
from ringtonic.services.errors import NotFound
from ringtonic.services.reporting.geo import geo_data
from ringtonic.services.reporting.periods import Period, resolve_period
from ringtonic.services.reporting.report_versions import report_version
from ringtonic.services.reporting.reports import (
    GROUPINGS,
    INTERVALS,
    summary_report,
    timeseries_report,
)
from ringtonic.services.telephony.campaigns import CampaignRef, get_campaign_ref

# "Today" for default periods; tests swap it for a fixed moment.
clock = utcnow

PERIOD_NAMES = ("start_date", "end_date", "time_zone")


def _period(params: QueryParams) -> Period:
    """Resolve the request's period; the zone defaults to the key's workspace's."""
    return resolve_period(
        params.text("start_date", max_length=40),
        params.text("end_date", max_length=40),
        params.text("time_zone", max_length=64) or g.workspace.time_zone,
        clock(),
    )


def _report_tag(period: Period, campaign: CampaignRef | None, by_number: bool = False) -> str:
    """Return a report's ETag: its workspace's data version, its visits and its query."""
    workspace_id = g.workspace.id
    campaign_id = campaign.id if campaign is not None else None
    return weak_etag(
        workspace_id,
        (period.start, period.end, period.time_zone),
        campaign_id,
        report_version(workspace_id, period.start, period.end, campaign_id, by_number),
    )


def _campaign_filter(params: QueryParams) -> CampaignRef | None:
    """Return the campaign a report is narrowed to; an unknown one is a bad filter value (400)."""
    wanted = params.uuid("campaign")
    if wanted is None:
        return None
    try:
        return get_campaign_ref(g.workspace, wanted)
    except NotFound:
        raise ApiProblem(
            "validation_error", "No campaign with that id in this workspace.", field="campaign"
        ) from None


@bp.get("/campaigns/<campaign_uuid>/geo-data")
@answers_conditionally
def campaign_geo_data(campaign_uuid: str) -> ResponseReturnValue:
    """Where a campaign's callers were in a period, by state, city and zip code."""
    params = QueryParams({*PERIOD_NAMES, "status"})
    campaign = get_campaign_ref(g.workspace, campaign_uuid)
    period = _period(params)
    status = params.choice("status", STATUS_FILTERS)
    return conditional_answer(
        _report_tag(period, campaign),
        lambda: jsonify(
            {
                "campaign": {"uuid": str(campaign.uuid), "name": campaign.name},
                **geo_data(g.workspace, period, campaign=campaign, status=status),
            }
        ),
    )


@bp.get("/reports/summary")
@answers_conditionally
def report_summary() -> ResponseReturnValue:
    """Counters per source, medium, campaign, tracking number, state or city."""
    params = QueryParams({"group_by", *PERIOD_NAMES, "campaign", "status"})
    group_by = params.choice("group_by", GROUPINGS)
    if group_by is None:
        raise ApiProblem(
            "validation_error",
            f"group_by is required: one of {', '.join(GROUPINGS)}.",
            field="group_by",
        )
    period = _period(params)
    campaign = _campaign_filter(params)
    status = params.choice("status", STATUS_FILTERS)
    return conditional_answer(
        _report_tag(period, campaign, by_number=group_by == "tracking_number"),
        lambda: jsonify(summary_report(g.workspace, period, group_by, campaign, status)),
    )


@bp.get("/reports/timeseries")
@answers_conditionally
def report_timeseries() -> ResponseReturnValue:
    """Counters per local hour, day, week or month of the period."""
    params = QueryParams({"interval", *PERIOD_NAMES, "campaign", "status"})
    interval = params.choice("interval", INTERVALS, default="day")
    period = _period(params)
    campaign = _campaign_filter(params)
    status = params.choice("status", STATUS_FILTERS)
    return conditional_answer(
        _report_tag(period, campaign),
        lambda: jsonify(timeseries_report(g.workspace, period, interval, campaign, status)),
    )
