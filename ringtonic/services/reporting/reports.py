"""Call reports: counters grouped by a dimension, and counters over time in a time zone."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Campaign, PhoneNumber, Workspace
from ringtonic.models.rollups import CallPlaceRollup, CallSourceRollup, CallTimeRollup
from ringtonic.services.calls.stats import Counters
from ringtonic.services.errors import ValidationError
from ringtonic.services.reporting.periods import Period, iso_utc, local_midnight
from ringtonic.services.reporting.rollup_queries import counts_by_key, counts_by_range
from ringtonic.services.reporting.visits import (
    NO_VISITS,
    VISIT_KEYS,
    Visits,
    group_key,
    visits_by_keys,
    visits_by_range,
)
from ringtonic.services.telephony.campaigns import CampaignRef

GROUPINGS = ("source", "medium", "campaign", "tracking_number", "state", "city")
INTERVALS = ("hour", "day", "week", "month")
MAX_BUCKETS = 2000

# The rollup and key columns each grouping reads.
GROUP_KEYS: dict[
    str, tuple[type[CallPlaceRollup | CallSourceRollup | CallTimeRollup], tuple[Any, ...]]
] = {
    "source": (CallSourceRollup, ("source",)),
    "medium": (CallSourceRollup, ("medium",)),
    "campaign": (CallTimeRollup, ("campaign_id",)),
    "tracking_number": (CallSourceRollup, ("phone_number_id", "tracking_number")),
    "state": (CallPlaceRollup, ("caller_country", "caller_state")),
    "city": (CallPlaceRollup, ("caller_country", "caller_state", "caller_city")),
}


def _describe_groups(
    workspace: Workspace, group_by: str, keys: list[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    if group_by in ("source", "medium"):
        return [{group_by: key[0] or None} for key in keys]
    if group_by == "state":
        return [{"country": k[0] or None, "state": k[1] or None} for k in keys]
    if group_by == "city":
        return [
            {"country": k[0] or None, "state": k[1] or None, "city": k[2] or None} for k in keys
        ]
    if group_by == "campaign":
        ids = {k[0] for k in keys if k[0] is not None}
        rows = db.session.execute(
            select(Campaign.id, Campaign.uuid, Campaign.name).where(
                Campaign.workspace_id == workspace.id, Campaign.id.in_(ids)
            )
        )
        found = {row.id: {"uuid": str(row.uuid), "name": row.name} for row in rows}
        return [{"campaign": found.get(k[0])} for k in keys]
    ids = {k[0] for k in keys if k[0] is not None}
    rows = db.session.execute(
        select(
            PhoneNumber.id, PhoneNumber.uuid, PhoneNumber.number, PhoneNumber.friendly_name
        ).where(PhoneNumber.workspace_id == workspace.id, PhoneNumber.id.in_(ids))
    )
    found = {
        row.id: {"uuid": str(row.uuid), "number": row.number, "friendly_name": row.friendly_name}
        for row in rows
    }
    return [
        {
            "tracking_number": found.get(k[0])
            or {"uuid": None, "number": k[1] or None, "friendly_name": None}
        }
        for k in keys
    ]


def summary_report(
    workspace: Workspace,
    period: Period,
    group_by: str,
    campaign: Campaign | CampaignRef | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """Return counters per value of `group_by`, most calls first, and the overall totals."""
    if group_by not in GROUPINGS:
        raise ValidationError(f"group_by must be one of: {', '.join(GROUPINGS)}.", "group_by")
    model, keys = GROUP_KEYS[group_by]
    rows = counts_by_key(workspace, period.start, period.end, model, keys, campaign, status)
    keys_of_visits = VISIT_KEYS[group_by]
    visits = visits_by_keys(
        workspace, period.start, period.end, keys_of_visits, (len(keys_of_visits), 0), campaign
    )
    totals = Counters()
    for _, counters in rows:
        totals.add(counters)
    merged = _with_visits(group_by, rows, visits[len(keys_of_visits)])
    # Groups whose key differs only in the unmatched raw number still merge by description.
    described = _describe_groups(workspace, group_by, [key for key, _, _ in merged])
    groups = [
        visited.as_dict(counters.calls, {**desc, **counters.as_dict()})
        for desc, (_, counters, visited) in zip(described, merged, strict=True)
    ]
    groups.sort(key=lambda g: (-g["calls"], -g["visits"], str(g)))
    overall = visits[0][()]
    return {
        "period": period.as_dict(),
        "group_by": group_by,
        "totals": overall.as_dict(totals.calls, totals.as_dict()),
        "groups": groups,
    }


def _with_visits(
    group_by: str,
    rows: list[tuple[tuple[Any, ...], Counters]],
    visits: dict[tuple[Any, ...], Visits],
) -> list[tuple[tuple[Any, ...], Counters, Visits]]:
    """Pair each group of calls with its visits; groups with visits but no calls join."""
    left = dict(visits)
    merged = []
    for key, counters in rows:
        if group_by == "tracking_number":
            # Calls to a number that is not (or no longer) the workspace's match no visit.
            wanted = (key[0],) if key[0] is not None else None
        else:
            wanted = group_key(key)
        merged.append((key, counters, left.pop(wanted, NO_VISITS)))
    for key, visited in left.items():
        calls_key = (key[0], "") if group_by == "tracking_number" else key
        merged.append((calls_key, Counters(), visited))
    return merged


def _bucket_start(moment: datetime, interval: str, zone: ZoneInfo) -> datetime:
    """Return the UTC start of the local bucket holding `moment`."""
    local = moment.astimezone(zone)
    if interval == "hour":
        # Offsets are whole quarter hours, so stepping back the local minutes is exact.
        return moment - timedelta(
            minutes=local.minute, seconds=local.second, microseconds=local.microsecond
        )
    day = local.date()
    if interval == "week":
        day -= timedelta(days=day.weekday())
    elif interval == "month":
        day = day.replace(day=1)
    return local_midnight(day, zone)


def _next_bucket(start: datetime, interval: str, zone: ZoneInfo) -> datetime:
    if interval == "hour":
        return start + timedelta(hours=1)
    day: date = start.astimezone(zone).date()
    if interval == "day":
        day += timedelta(days=1)
    elif interval == "week":
        day += timedelta(days=7)
    else:
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return local_midnight(day, zone)


@dataclass(frozen=True)
class _Buckets:
    """A period's buckets: UTC [start, end) ranges and how the API writes each one."""

    ranges: tuple[tuple[datetime, datetime], ...]
    labels: tuple[tuple[str, str, str], ...]  # start, end, local start


# At most 2,000 buckets of about 450 bytes each per entry: under 60 MB at the very worst.
@functools.lru_cache(maxsize=64)
def _buckets(period: Period, interval: str) -> _Buckets:
    """Split a period into local buckets (cached: dashboards ask for the same ones again).

    Working out and formatting 300 zone-aware month boundaries cost more than counting
    their calls from the rollups.
    """
    zone = period.zone
    starts: list[datetime] = []
    cursor = _bucket_start(period.start, interval, zone)
    while cursor < period.end:
        starts.append(cursor)
        if len(starts) > MAX_BUCKETS:
            raise ValidationError(
                f"That period has more than {MAX_BUCKETS} {interval}s; "
                "choose a longer interval or a shorter period.",
                "interval",
            )
        cursor = _next_bucket(cursor, interval, zone)
    ends = [*starts[1:], cursor] if starts else []
    ranges = tuple(
        (max(start, period.start), min(end, period.end))
        for start, end in zip(starts, ends, strict=True)
    )
    labels = tuple(
        (iso_utc(start), iso_utc(end), start.astimezone(zone).isoformat()) for start, end in ranges
    )
    return _Buckets(ranges, labels)


def timeseries_report(
    workspace: Workspace,
    period: Period,
    interval: str,
    campaign: Campaign | CampaignRef | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """Return counters per local hour, day, week (from Monday) or month, gaps included."""
    if interval not in INTERVALS:
        raise ValidationError(f"interval must be one of: {', '.join(INTERVALS)}.", "interval")
    buckets = _buckets(period, interval)
    counters = counts_by_range(workspace, buckets.ranges, campaign, status)
    visits, all_visits = visits_by_range(workspace, buckets.ranges, campaign)
    totals = Counters()
    for bucket in counters:
        totals.add(bucket)

    empty = Counters().as_dict()
    no_visits = NO_VISITS.as_dict(0)
    series = [
        {
            "start": start,
            "end": end,
            "local_start": local_start,
            # Most buckets of a long series are empty: their counters are all the same.
            **(bucket.as_dict() if bucket.calls else empty),
            **(visited.as_dict(bucket.calls) if visited.visits else no_visits),
        }
        for (start, end, local_start), bucket, visited in zip(
            buckets.labels, counters, visits, strict=True
        )
    ]
    return {
        "period": period.as_dict(),
        "interval": interval,
        "totals": all_visits.as_dict(totals.calls, totals.as_dict()),
        "series": series,
    }
