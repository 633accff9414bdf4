"""The dashboard's figures: calls per period, outcomes, top sources and campaigns, calls per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Campaign, Workspace
from ringtonic.models.rollups import CallSourceRollup, CallTimeRollup
from ringtonic.models.types import utcnow
from ringtonic.services.calls.queries import latest_call_at
from ringtonic.services.calls.stats import Counters
from ringtonic.services.errors import ValidationError
from ringtonic.services.reporting.periods import last_days, local_midnight
from ringtonic.services.reporting.rollup_queries import counts_by_key, counts_by_range

CHART_DAYS = 30
TOP_LIMIT = 5
# A year and a day of bars at most: the chart stays readable and the read stays small.
MAX_DAYS = 366


@dataclass(frozen=True)
class PeriodCount:
    """Calls in a period and in the period of equal length just before it."""

    label: str
    comparison: str
    count: int
    previous: int

    @property
    def change_percent(self) -> int | None:
        """Return the change against the previous period in whole percent (None from zero)."""
        if self.previous == 0:
            return None
        return round((self.count - self.previous) * 100 / self.previous)


@dataclass(frozen=True)
class DayCount:
    """Calls on one local day."""

    day: date
    count: int


@dataclass(frozen=True)
class Ranked:
    """One row of a "top" table: a source/medium or a campaign, and how its calls went."""

    name: str
    count: int
    answered: int = 0
    first_time_callers: int = 0
    # The calls log filters that show exactly this row's calls (None: the log has none).
    filters: dict[str, str] | None = None

    @property
    def answered_percent(self) -> int:
        return round(self.answered * 100 / self.count) if self.count else 0


@dataclass(frozen=True)
class DashboardSummary:
    """Everything the dashboard shows: tiles up to today, the rest for the chosen days."""

    periods: list[PeriodCount]
    days: list[DayCount]
    calls: int
    answered: int
    missed: int
    first_time_callers: int
    average_answered_seconds: int | None
    top_sources: list[Ranked]
    top_campaigns: list[Ranked]
    last_call_at: datetime
    # The first and last local day shown (last 30 days unless chosen), for calls log links.
    start_date: date
    end_date: date
    campaign: Campaign | None = None


def _ranked(rows: list[tuple[tuple[Any, ...], Counters]]) -> list[tuple[tuple[Any, ...], Counters]]:
    """Return the TOP_LIMIT rows with the most calls, ties in key order."""
    return sorted(rows, key=lambda row: (-row[1].calls, [str(k or "") for k in row[0]]))[:TOP_LIMIT]


def _top_sources(rows: list[tuple[tuple[Any, ...], Counters]]) -> list[Ranked]:
    # The log matches a source (and medium) when given: an empty one can only be matched
    # when no other row shares the rest.
    sources = [source for (source, _), _ in rows]
    ranked = []
    for (source, medium), counters in _ranked(rows):
        name = " / ".join(part for part in (source, medium) if part) or "(no source)"
        exact = bool(source) and (bool(medium) or sources.count(source) == 1)
        filters = {"source": source, **({"medium": medium} if medium else {})}
        ranked.append(
            Ranked(
                name,
                counters.calls,
                counters.answered,
                counters.first_time_callers,
                filters if exact else None,
            )
        )
    return ranked


def _top_campaigns(
    workspace: Workspace, rows: list[tuple[tuple[Any, ...], Counters]]
) -> list[Ranked]:
    top = _ranked(rows)
    ids = [campaign_id for (campaign_id,), _ in top if campaign_id is not None]
    campaigns = {
        campaign.id: campaign
        for campaign in db.session.scalars(
            select(Campaign).where(Campaign.workspace_id == workspace.id, Campaign.id.in_(ids))
        )
    }
    ranked = []
    for (campaign_id,), counters in top:
        campaign = campaigns.get(campaign_id)
        ranked.append(
            Ranked(
                campaign.name if campaign else "(no campaign)",
                counters.calls,
                counters.answered,
                counters.first_time_callers,
                {"campaign": str(campaign.uuid)} if campaign else None,
            )
        )
    return ranked


def dashboard_summary(
    workspace: Workspace,
    now: datetime | None = None,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
    campaign: Campaign | None = None,
) -> DashboardSummary | None:
    """Return the figures from the rollups, days counted in the workspace's zone.

    None before the first call. The tiles count up to today; the outcomes, chart and top
    lists cover first_day..last_day (default: `last_days`, the window every page uses).
    Answered, missed and first-time are the rollups' counters, as in reports and the map.
    """
    last_call_at = latest_call_at(workspace)
    if last_call_at is None:
        return None
    recent = last_days(workspace.time_zone, now or utcnow(), CHART_DAYS)
    zone = recent.zone
    today = (recent.end - timedelta(microseconds=1)).astimezone(zone).date()
    # 60 local days: the 30 up to today and the 30 before them, for "vs previous 30 days".
    tile_days = [today - timedelta(days=2 * CHART_DAYS - 1 - n) for n in range(2 * CHART_DAYS)]
    counts = [c.calls for c in _daily(workspace, tile_days, zone, campaign)]
    periods = [
        PeriodCount("Today", "vs yesterday", counts[-1], counts[-2]),
        PeriodCount("Last 7 days", "vs previous 7 days", sum(counts[-7:]), sum(counts[-14:-7])),
        PeriodCount(
            "Last 30 days",
            "vs previous 30 days",
            sum(counts[-CHART_DAYS:]),
            sum(counts[:-CHART_DAYS]),
        ),
    ]
    first_day = first_day or tile_days[CHART_DAYS]
    last_day = last_day or today
    if last_day < first_day:
        raise ValidationError(
            "Choose a start date on or before the end date (today).", "start_date"
        )
    if (last_day - first_day).days >= MAX_DAYS:
        raise ValidationError(f"Choose at most {MAX_DAYS} days.", "end_date")
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    daily = _daily(workspace, days, zone, campaign)
    since, until = local_midnight(first_day, zone), local_midnight(last_day + timedelta(1), zone)
    totals = Counters.sum_of(daily)
    answered = counts_by_range(workspace, [(since, until)], campaign, status="answered")[0]
    sources = counts_by_key(
        workspace, since, until, CallSourceRollup, ("source", "medium"), campaign
    )
    campaigns = counts_by_key(workspace, since, until, CallTimeRollup, ("campaign_id",), campaign)
    return DashboardSummary(
        periods=periods,
        days=[DayCount(day, c.calls) for day, c in zip(days, daily, strict=True)],
        calls=totals.calls,
        answered=totals.answered,
        missed=totals.missed,
        first_time_callers=totals.first_time_callers,
        average_answered_seconds=(
            round(answered.total_duration / answered.calls) if answered.calls else None
        ),
        top_sources=_top_sources(sources),
        top_campaigns=_top_campaigns(workspace, campaigns),
        last_call_at=last_call_at,
        start_date=first_day,
        end_date=last_day,
        campaign=campaign,
    )


def _daily(
    workspace: Workspace, days: list[date], zone: ZoneInfo, campaign: Campaign | None
) -> list[Counters]:
    """Return the counters of each local day."""
    boundaries = [local_midnight(day, zone) for day in [*days, days[-1] + timedelta(days=1)]]
    return counts_by_range(workspace, list(pairwise(boundaries)), campaign)
