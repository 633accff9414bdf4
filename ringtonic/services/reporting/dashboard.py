"""The dashboard's figures: calls per period, answered vs missed, top sources, calls per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.calls.queries import latest_call_at, local_midnight

CHART_DAYS = 30
TOP_LIMIT = 5
# The business did not pick up: the caller heard a busy tone, an error or the voicemail.
MISSED_STATUSES = ("missed", "busy", "failed", "voicemail")


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
    answered: int
    missed: int
    average_answered_seconds: int | None
    top_sources: list[Ranked]
    top_campaigns: list[Ranked]
    last_call_at: datetime


def _daily_counts(workspace: Workspace, boundaries: list[datetime]) -> list[int]:
    """Count calls between each pair of consecutive instants, in one indexed range query."""
    # One SUM(CASE) per day: the boundaries are local midnights computed with zoneinfo, so
    # days are right across DST changes on every database, without its time zone support.
    buckets = [
        func.coalesce(
            func.sum(case((and_(Call.started_at >= start, Call.started_at < end), 1), else_=0)),
            0,
        )
        for start, end in pairwise(boundaries)
    ]
    row = db.session.execute(
        select(*buckets).where(
            Call.workspace_id == workspace.id,
            Call.started_at >= boundaries[0],
            Call.started_at < boundaries[-1],
        )
    ).one()
    return [int(value) for value in row]


def _status_totals(workspace: Workspace, since: datetime, until: datetime) -> dict[str, tuple]:
    rows = db.session.execute(
        select(Call.status, func.count(Call.id), func.sum(Call.duration_seconds))
        .where(
            Call.workspace_id == workspace.id,
            Call.started_at >= since,
            Call.started_at < until,
        )
        .group_by(Call.status)
    )
    return {status: (count, int(seconds or 0)) for status, count, seconds in rows}


def _top_sources(workspace: Workspace, since: datetime, until: datetime) -> list[Ranked]:
    count = func.count(Call.id)
    rows = db.session.execute(
        select(Call.source, count)
        .where(
            Call.workspace_id == workspace.id,
            Call.started_at >= since,
            Call.started_at < until,
        )
        .group_by(Call.source)
        .order_by(count.desc(), Call.source)
        .limit(TOP_LIMIT)
    )
    return [Ranked(source or "(no source)", total) for source, total in rows]


def _top_campaigns(workspace: Workspace, since: datetime, until: datetime) -> list[Ranked]:
    count = func.count(Call.id)
    rows = db.session.execute(
        select(Call.campaign_id, count)
        .where(
            Call.workspace_id == workspace.id,
            Call.started_at >= since,
            Call.started_at < until,
        )
        .group_by(Call.campaign_id)
        .order_by(count.desc(), Call.campaign_id)
        .limit(TOP_LIMIT)
    ).all()
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
    """Return the figures, days counted in the workspace's zone; None before the first call."""
    last_call_at = latest_call_at(workspace)
    if last_call_at is None:
        return None
    zone = ZoneInfo(workspace.time_zone)
    today = (now or utcnow()).astimezone(zone).date()
    # 60 local days: the 30 shown and the 30 before them, for "vs previous 30 days".
    first_day = today - timedelta(days=2 * CHART_DAYS - 1)
    days = [first_day + timedelta(days=n) for n in range(2 * CHART_DAYS)]
    boundaries = [local_midnight(day, zone) for day in [*days, today + timedelta(days=1)]]
    counts = _daily_counts(workspace, boundaries)
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
    since, until = boundaries[CHART_DAYS], boundaries[-1]
    totals = _status_totals(workspace, since, until)
    answered, answered_seconds = totals.get("answered", (0, 0))
    missed = sum(totals.get(status, (0, 0))[0] for status in MISSED_STATUSES)
    return DashboardSummary(
        periods=periods,
        days=[
            DayCount(day, count)
            for day, count in zip(days[CHART_DAYS:], counts[CHART_DAYS:], strict=True)
        ],
        answered=answered,
        missed=missed,
        average_answered_seconds=round(answered_seconds / answered) if answered else None,
        top_sources=_top_sources(workspace, since, until),
        top_campaigns=_top_campaigns(workspace, since, until),
        last_call_at=last_call_at,
    )
