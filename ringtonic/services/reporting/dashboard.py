"""The dashboard's figures: calls per period, answered vs missed, top sources, calls per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Campaign, Workspace
from ringtonic.models.rollups import CallSourceRollup, CallTimeRollup
from ringtonic.models.types import utcnow
from ringtonic.services.calls.queries import latest_call_at
from ringtonic.services.calls.stats import Counters
from ringtonic.services.reporting.periods import last_days, local_midnight
from ringtonic.services.reporting.rollup_queries import counts_by_key, counts_by_range

CHART_DAYS = 30
TOP_LIMIT = 5


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
    """One row of a "top" table."""

    name: str
    count: int


@dataclass(frozen=True)
class DashboardSummary:
    """Everything the dashboard shows, for the last 30 local days ending today."""

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
    # The first and last local day of "last 30 days", for links to the calls log.
    start_date: date
    end_date: date


def _top(rows: list[tuple[tuple, Counters]]) -> list[tuple[object, int]]:
    """Return the TOP_LIMIT keys with the most calls, ties in key order, as (key, calls)."""
    ranked = sorted(rows, key=lambda row: (-row[1].calls, str(row[0][0] or "")))
    return [(key[0], counters.calls) for key, counters in ranked[:TOP_LIMIT]]


def _top_campaigns(workspace: Workspace, since: datetime, until: datetime) -> list[Ranked]:
    rows = _top(counts_by_key(workspace, since, until, CallTimeRollup, ("campaign_id",)))
    ids = [campaign_id for campaign_id, _ in rows if campaign_id is not None]
    names = dict(
        db.session.execute(
            select(Campaign.id, Campaign.name).where(
                Campaign.workspace_id == workspace.id, Campaign.id.in_(ids)
            )
        ).all()
    )
    return [
        Ranked(names.get(campaign_id, "(no campaign)") if campaign_id else "(no campaign)", n)
        for campaign_id, n in rows
    ]


def dashboard_summary(workspace: Workspace, now: datetime | None = None) -> DashboardSummary | None:
    """Return the figures from the rollups, days counted in the workspace's zone.

    None before the first call. "Last 30 days" is `last_days`, the window every page uses;
    answered, missed and first-time are the rollups' counters, as in reports and the map.
    """
    last_call_at = latest_call_at(workspace)
    if last_call_at is None:
        return None
    recent = last_days(workspace.time_zone, now or utcnow(), CHART_DAYS)
    zone = recent.zone
    today = (recent.end - timedelta(microseconds=1)).astimezone(zone).date()
    # 60 local days: the 30 shown and the 30 before them, for "vs previous 30 days".
    first_day = today - timedelta(days=2 * CHART_DAYS - 1)
    days = [first_day + timedelta(days=n) for n in range(2 * CHART_DAYS)]
    boundaries = [local_midnight(day, zone) for day in [*days, today + timedelta(days=1)]]
    daily = counts_by_range(workspace, list(pairwise(boundaries)))
    counts = [counters.calls for counters in daily]
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
    since, until = recent.start, recent.end
    totals = Counters.sum_of(daily[CHART_DAYS:])
    answered = counts_by_range(workspace, [(since, until)], status="answered")[0]
    return DashboardSummary(
        periods=periods,
        days=[
            DayCount(day, count)
            for day, count in zip(days[CHART_DAYS:], counts[CHART_DAYS:], strict=True)
        ],
        calls=totals.calls,
        answered=totals.answered,
        missed=totals.missed,
        first_time_callers=totals.first_time_callers,
        average_answered_seconds=(
            round(answered.total_duration / answered.calls) if answered.calls else None
        ),
        top_sources=[
            Ranked(source or "(no source)", n)
            for source, n in _top(
                counts_by_key(workspace, since, until, CallSourceRollup, ("source",))
            )
        ],
        top_campaigns=_top_campaigns(workspace, since, until),
        last_call_at=last_call_at,
        start_date=days[CHART_DAYS],
        end_date=today,
    )
