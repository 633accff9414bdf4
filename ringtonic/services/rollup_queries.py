"""Counting calls over periods from the rollups, plus period edges that fall between blocks.

The answer never depends on how much history a workspace has: a period reads a dozen
or so blocks per key whatever its length, and only the slivers of a period that starts
or ends between blocks (an exact instant, or a :30 zone's midnight for places) are
counted from the calls table, through its (workspace, started_at) index.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, union_all

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, Workspace
from ringtonic.models.rollups import CallPlaceRollup, CallSourceRollup, status_column_prefix
from ringtonic.models.telephony import CALL_STATUSES
from ringtonic.services.call_stats import (
    ANSWERED_STATUSES,
    MISSED_STATUSES,
    Counters,
    counter_columns,
    counters_from,
)
from ringtonic.services.rollup_spans import PLACE_SPANS, SOURCE_SPANS, cover_ranges, epoch_floor
from ringtonic.services.rollups import call_key

ID_KEYS = ("campaign_id", "phone_number_id")


def _spans(model) -> Sequence[int]:
    return PLACE_SPANS if model is CallPlaceRollup else SOURCE_SPANS


def _statuses(status: str | None) -> tuple[str, ...]:
    return (status,) if status else CALL_STATUSES


def _counter_names(status: str | None) -> list[str]:
    """Return the rollup counter columns that a status filter (or none) reads."""
    return [
        f"{status_column_prefix(s)}_{kind}"
        for s in _statuses(status)
        for kind in ("calls", "first_calls", "seconds")
    ]


def _counter_sums(table, status: str | None) -> list:
    """Return SUMs over rollup rows that fill a Counters, in its field order."""

    def total(kind: str, among: Sequence[str]):
        columns = [
            table.c[f"{status_column_prefix(s)}_{kind}"] for s in _statuses(status) if s in among
        ]
        if not columns:
            return func.sum(0)
        expression = columns[0]
        for column in columns[1:]:
            expression = expression + column
        return func.sum(expression)

    return [
        total("calls", CALL_STATUSES),
        total("calls", ANSWERED_STATUSES),
        total("calls", MISSED_STATUSES),
        total("first_calls", CALL_STATUSES),
        total("seconds", CALL_STATUSES),
    ]


def _rollup_rows(model, workspace: Workspace, blocks, keys: Sequence[str], campaign, status):
    """Yield (key values..., five counters) summed over `blocks` (start seconds by size)."""
    table = model.__table__
    columns = [table.c[name] for name in (*keys, *_counter_names(status))]
    parts = []
    for span, starts in sorted(blocks.items()):
        # An IN list of starts, not a range per run: one statement shape for any period.
        part = select(*columns).where(
            table.c.workspace_id == workspace.id,
            table.c.bucket_seconds == span,
            table.c.bucket_start.in_(starts),
        )
        if campaign is not None:
            part = part.where(table.c.campaign_id == campaign.id)
        parts.append(part)
    if not parts:
        return []
    blocks = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("blocks")
    group = [blocks.c[name] for name in keys]
    sums = _counter_sums(blocks, status)
    # Rows whose calls all moved away (a status change) hold zeros; they are no group.
    query = select(*group, *sums).group_by(*group).having(sums[0] > 0)
    return db.session.execute(query)


def _sliver_rows(workspace: Workspace, slivers, keys: Sequence[str], campaign, status):
    """Yield (key values..., five counters) counted from the calls in each sliver."""
    group = [call_key(name) for name in keys]
    for start, end in slivers:
        query = (
            select(*group, *counter_columns())
            .where(Call.workspace_id == workspace.id, Call.started_at >= start)
            .where(Call.started_at < end)
            .group_by(*group)
        )
        if campaign is not None:
            query = query.where(Call.campaign_id == campaign.id)
        if status is not None:
            query = query.where(Call.status == status)
        yield from db.session.execute(query)


def _key(values: Sequence, keys: Sequence[str]) -> tuple:
    # Rollups store a missing id as 0; callers see None, as the calls table has it.
    pairs = zip(keys, values, strict=True)
    return tuple((value or None) if name in ID_KEYS else value for name, value in pairs)


def counts_by_key(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    model: type[CallPlaceRollup] | type[CallSourceRollup],
    keys: Sequence[str],
    campaign: Campaign | None = None,
    status: str | None = None,
) -> list[tuple[tuple, Counters]]:
    """Return (key, counters) for the calls in [start, end), ordered by key."""
    cover = cover_ranges([(start, end)], _spans(model))
    groups: dict[tuple, Counters] = {}
    rows = [
        *_rollup_rows(model, workspace, cover.blocks, keys, campaign, status),
        *_sliver_rows(workspace, cover.slivers, keys, campaign, status),
    ]
    for row in rows:
        key = _key(row[: len(keys)], keys)
        groups.setdefault(key, Counters()).add(counters_from(row[len(keys) :]))
    return sorted(groups.items(), key=lambda item: tuple(_sortable(v) for v in item[0]))


def _sortable(value) -> tuple:
    return (value is not None, value if value is not None else 0)


def counts_by_range(
    workspace: Workspace,
    ranges: Sequence[tuple[datetime, datetime]],
    campaign: Campaign | None = None,
    status: str | None = None,
) -> list[Counters]:
    """Return the counters of each of several consecutive, disjoint [start, end) ranges."""
    cover = cover_ranges(ranges, SOURCE_SPANS)
    starts = [epoch_floor(start) for start, _ in ranges]
    counters = [Counters() for _ in ranges]
    keys = ("bucket_seconds", "bucket_start")
    for _, block_start, *values in _rollup_rows(
        CallSourceRollup, workspace, cover.blocks, keys, campaign, status
    ):
        # A block lies inside one range: the last range starting at or before it.
        counters[bisect_right(starts, block_start) - 1].add(counters_from(values))
    for sliver_start, sliver_end in cover.slivers:
        rows = _sliver_rows(workspace, [(sliver_start, sliver_end)], (), campaign, status)
        position = bisect_right(starts, epoch_floor(sliver_start)) - 1
        for values in rows:
            counters[position].add(counters_from(values))
    return counters
