"""Rollup time blocks: the block sizes, and splitting a time range into a few blocks.

Blocks of every size are aligned on the Unix epoch, in UTC. A local day starts on a
whole UTC quarter hour in every zone, so a period of local days is covered exactly by
blocks of 15 minutes and up. Each size is a multiple of the one before (4 quarter
hours, 6 hours, then days by fours), so a range needs at most a handful of blocks of
each size at either edge: a 30-day period in any zone is at most 24 blocks (14 on
average in America/Chicago) instead of 720 hours, and 2000 to today is 18. What is
left at the edges of a range that starts or ends between blocks (an exact instant like
10:07:13) is a sliver, counted from the calls themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

QUARTER_HOUR = 900
HOUR = 3600
DAY = 86400
# Each size divides the next: 15 min, 1 h, 6 h, then 1, 4, 16, 64, 256, 1024, 4096 days.
SOURCE_SPANS = (
    QUARTER_HOUR,
    HOUR,
    6 * HOUR,
    DAY,
    4 * DAY,
    16 * DAY,
    64 * DAY,
    256 * DAY,
    1024 * DAY,
    4096 * DAY,
)
# Places have many keys per block; quarter hours would triple the table for little gain
# (they only matter at the edges of periods in :30 and :45 zones, counted as slivers).
PLACE_SPANS = SOURCE_SPANS[1:]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Cover:
    """Blocks (start seconds by size) and slivers (UTC ranges) that make up some ranges."""

    blocks: dict[int, list[int]] = field(default_factory=dict)
    slivers: list[tuple[datetime, datetime]] = field(default_factory=list)


def epoch_floor(moment: datetime) -> int:
    """Return the whole seconds since 1970 at or before an aware datetime (exact)."""
    return (moment - EPOCH) // timedelta(seconds=1)


def _at(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def _split(start: datetime, end: datetime, spans: Sequence[int], cover: Cover) -> None:
    if start >= end:
        return
    if not spans:
        cover.slivers.append((start, end))
        return
    span, smaller = spans[-1], spans[:-1]
    first = epoch_floor(start)
    if _at(first) < start:
        first += 1  # round a fractional start up: blocks must lie inside the range
    lo = -(-first // span) * span
    hi = epoch_floor(end) // span * span
    if lo >= hi:
        _split(start, end, smaller, cover)
        return
    cover.blocks.setdefault(span, []).extend(range(lo, hi, span))
    _split(start, _at(lo), smaller, cover)
    _split(_at(hi), end, smaller, cover)


def cover_ranges(ranges: Sequence[tuple[datetime, datetime]], spans: Sequence[int]) -> Cover:
    """Return the largest aligned blocks inside each [start, end) range, and the slivers."""
    cover = Cover()
    for start, end in ranges:
        _split(start, end, spans, cover)
    return cover
