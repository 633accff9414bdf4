"""Call reports: counters grouped by a dimension, and counters over time in a time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber, Workspace
from ringtonic.services.call_stats import Counters, counter_columns, counters_from, epoch_seconds
from ringtonic.services.errors import ValidationError
from ringtonic.services.periods import Period, iso_utc, local_midnight

GROUPINGS = ("source", "medium", "campaign", "tracking_number", "state", "city")
INTERVALS = ("hour", "day", "week", "month")
MAX_BUCKETS = 2000
# Every zone's UTC offset is a multiple of 15 minutes, so 15-minute slots re-bucket exactly.
SLOT_SECONDS = 900

_GROUP_COLUMNS = {
    "source": (Call.source,),
    "medium": (Call.medium,),
    "campaign": (Call.campaign_id,),
    "tracking_number": (Call.phone_number_id, Call.tracking_number),
    "state": (Call.caller_country, Call.caller_state),
    "city": (Call.caller_country, Call.caller_state, Call.caller_city),
}


def _filtered(query, workspace: Workspace, period: Period, campaign, status):
    query = query.where(
        Call.workspace_id == workspace.id,
        Call.started_at >= period.start,
        Call.started_at < period.end,
    )
    if campaign is not None:
        query = query.where(Call.campaign_id == campaign.id)
    if status is not None:
        query = query.where(Call.status == status)
    return query


def _describe_groups(workspace: Workspace, group_by: str, keys: list[tuple]) -> list[dict]:
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
    campaign: Campaign | None = None,
    status: str | None = None,
) -> dict:
    """Return counters per value of `group_by`, most calls first, and the overall totals."""
    if group_by not in GROUPINGS:
        raise ValidationError(f"group_by must be one of: {', '.join(GROUPINGS)}.", "group_by")
    columns = _GROUP_COLUMNS[group_by]
    query = _filtered(
        select(*columns, *counter_columns()).group_by(*columns), workspace, period, campaign, status
    )
    rows = [
        (tuple(row[: len(columns)]), counters_from(row[len(columns) :]))
        for row in db.session.execute(query)
    ]
    totals = Counters()
    for _, counters in rows:
        totals.add(counters)
    # Groups whose key differs only in the unmatched raw number still merge by description.
    described = _describe_groups(workspace, group_by, [key for key, _ in rows])
    groups = [
        {**desc, **counters.as_dict()} for desc, (_, counters) in zip(described, rows, strict=True)
    ]
    groups.sort(key=lambda g: (-g["calls"], str(g)))
    return {
        "period": period.as_dict(),
        "group_by": group_by,
        "totals": totals.as_dict(),
        "groups": groups,
    }


def _bucket_start(moment: datetime, interval: str, period: Period) -> datetime:
    """Return the UTC start of the local bucket holding `moment`."""
    zone = period.zone
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


def _next_bucket(start: datetime, interval: str, period: Period) -> datetime:
    if interval == "hour":
        return start + timedelta(hours=1)
    day: date = start.astimezone(period.zone).date()
    if interval == "day":
        day += timedelta(days=1)
    elif interval == "week":
        day += timedelta(days=7)
    else:
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return local_midnight(day, period.zone)


def timeseries_report(
    workspace: Workspace,
    period: Period,
    interval: str,
    campaign: Campaign | None = None,
    status: str | None = None,
) -> dict:
    """Return counters per local hour, day, week (from Monday) or month, gaps included."""
    if interval not in INTERVALS:
        raise ValidationError(f"interval must be one of: {', '.join(INTERVALS)}.", "interval")
    starts: list[datetime] = []
    cursor = _bucket_start(period.start, interval, period)
    while cursor < period.end:
        starts.append(cursor)
        if len(starts) > MAX_BUCKETS:
            raise ValidationError(
                f"That period has more than {MAX_BUCKETS} {interval}s; "
                "choose a longer interval or a shorter period.",
                "interval",
            )
        cursor = _next_bucket(cursor, interval, period)
    buckets = {start: Counters() for start in starts}

    slot = epoch_seconds(Call.started_at) // SLOT_SECONDS
    query = _filtered(
        select(slot.label("slot"), *counter_columns()).group_by(slot),
        workspace,
        period,
        campaign,
        status,
    )
    totals = Counters()
    for slot_number, *values in db.session.execute(query):
        moment = datetime.fromtimestamp(int(slot_number) * SLOT_SECONDS, UTC)
        counters = counters_from(values)
        totals.add(counters)
        buckets[_bucket_start(max(moment, period.start), interval, period)].add(counters)

    series = []
    for start in starts:
        end = min(_next_bucket(start, interval, period), period.end)
        series.append(
            {
                "start": iso_utc(max(start, period.start)),
                "end": iso_utc(end),
                "local_start": max(start, period.start).astimezone(period.zone).isoformat(),
                **buckets[start].as_dict(),
            }
        )
    return {
        "period": period.as_dict(),
        "interval": interval,
        "totals": totals.as_dict(),
        "series": series,
    }
