"""API endpoints for aggregates: a campaign's geo-data, summary reports and time series."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from ringtonic.api import bp
from ringtonic.api.conditional import (
    answers_conditionally,
    conditional_answer,
    not_modified,
    weak_etag,
)
from ringtonic.api.errors import ApiProblem
from ringtonic.api.params import QueryParams
from ringtonic.api.pending_keys import confirm_key
from ringtonic.models.types import utcnow
from ringtonic.services.calls.stats import STATUS_FILTERS
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.public_ids import parse_public_id
from ringtonic.services.reporting.geo import geo_data
from ringtonic.services.reporting.periods import Period, resolve_period
from ringtonic.services.reporting.report_versions import (
    Scope,
    report_version,
    report_version_by_uuid,
)
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
# Each endpoint's query parameters, made once (QueryParams takes a frozenset as it is).
GEO_PARAMS = frozenset({*PERIOD_NAMES, "status"})
SUMMARY_PARAMS = frozenset({"group_by", *PERIOD_NAMES, "campaign", "status"})
TIMESERIES_PARAMS = frozenset({"interval", *PERIOD_NAMES, "campaign", "status"})


def _period(params: QueryParams) -> Period:
    """Resolve the request's period; the zone defaults to the key's workspace's."""
    return resolve_period(
        params.text("start_date", max_length=40),
        params.text("end_date", max_length=40),
        params.text("time_zone", max_length=64) or g.workspace.time_zone,
        clock(),
    )


def _tag(period: Period, campaign_id: int | None, version: tuple[Any, ...]) -> str:
    """Return a report's ETag: its workspace's data version, its visits and its query."""
    period_parts = (period.start, period.end, period.time_zone)
    return weak_etag(g.workspace.id, period_parts, campaign_id, version)


def _scope(period: Period) -> Scope:
    return Scope(g.workspace.id, g.account.id, period.start, period.end)


def _report_tag(period: Period, campaign: CampaignRef | None, by_number: bool = False) -> str:
    """Return the ETag of a report about to be answered in full (its key confirmed)."""
    campaign_id = campaign.id if campaign is not None else None
    version, generation = report_version(_scope(period), campaign_id, by_number)
    confirm_key(generation)
    return _tag(period, campaign_id, version)


def _revalidation_tag(period: Period, wanted: uuid.UUID | None, by_number: bool) -> str | None:
    """Return a revalidated report's ETag, naming its campaign by public id, in one read.

    The same read confirms a key taken from memory. None when the workspace has no such
    campaign: the full path then refuses the request.
    """
    if wanted is None:
        version, generation = report_version(_scope(period), None, by_number)
        confirm_key(generation)
        return _tag(period, None, version)
    campaign_id, version, generation = report_version_by_uuid(_scope(period), wanted, by_number)
    confirm_key(generation)
    return None if campaign_id is None else _tag(period, campaign_id, version)


def _revalidating() -> bool:
    return "If-None-Match" in request.headers


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


def _unchanged(params: QueryParams, period: Period, by_number: bool) -> Response | None:
    """Answer 304 to a revalidation of an unchanged report narrowed by `campaign` or not.

    Checked in the full path's order: the period, the campaign filter (an unknown one
    falls through to the full path, which refuses it), then the status.
    """
    if not _revalidating():
        return None
    tag = _revalidation_tag(period, params.uuid("campaign"), by_number)
    if tag is None:
        return None
    params.choice("status", STATUS_FILTERS)
    return not_modified(tag) if request.if_none_match.contains_weak(tag) else None


@bp.get("/campaigns/<campaign_uuid>/geo-data")
@answers_conditionally
def campaign_geo_data(campaign_uuid: str) -> ResponseReturnValue:
    """Where a campaign's callers were in a period, by state, city and zip code."""
    params = QueryParams(GEO_PARAMS)
    if _revalidating():
        # A poller's revalidation: the campaign and the version in one read, usually a 304.
        wanted = parse_public_id(campaign_uuid, "Campaign not found.")
        try:
            period = _period(params)
            params.choice("status", STATUS_FILTERS)
        except (ApiProblem, ValidationError):
            get_campaign_ref(g.workspace, wanted)  # an unknown campaign is a 404 first
            raise
        tag = _revalidation_tag(period, wanted, by_number=False)
        if tag is not None and request.if_none_match.contains_weak(tag):
            return not_modified(tag)
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
    params = QueryParams(SUMMARY_PARAMS)
    group_by = params.choice("group_by", GROUPINGS)
    if group_by is None:
        raise ApiProblem(
            "validation_error",
            f"group_by is required: one of {', '.join(GROUPINGS)}.",
            field="group_by",
        )
    period = _period(params)
    by_number = group_by == "tracking_number"
    unchanged = _unchanged(params, period, by_number)
    if unchanged is not None:
        return unchanged
    campaign = _campaign_filter(params)
    status = params.choice("status", STATUS_FILTERS)
    return conditional_answer(
        _report_tag(period, campaign, by_number),
        lambda: jsonify(summary_report(g.workspace, period, group_by, campaign, status)),
    )


@bp.get("/reports/timeseries")
@answers_conditionally
def report_timeseries() -> ResponseReturnValue:
    """Counters per local hour, day, week or month of the period."""
    params = QueryParams(TIMESERIES_PARAMS)
    interval = params.choice("interval", INTERVALS, default="day")
    period = _period(params)
    unchanged = _unchanged(params, period, by_number=False)
    if unchanged is not None:
        return unchanged
    campaign = _campaign_filter(params)
    status = params.choice("status", STATUS_FILTERS)
    return conditional_answer(
        _report_tag(period, campaign),
        lambda: jsonify(timeseries_report(g.workspace, period, interval, campaign, status)),
    )
