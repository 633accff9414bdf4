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
SOURCE_BLOCK_SIZES = (
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
PLACE_BLOCK_SIZES = SOURCE_BLOCK_SIZES[1:]
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


def _split(
    start: int, end: int, sizes: Sequence[int], level: int, cover: Cover
) -> list[tuple[int, int]]:
    """Cover [start, end) (whole seconds) with blocks of sizes[level] and smaller.

    Return what no block covers, as (start, end) second pairs in time order.
    """
    left: list[tuple[int, int]] = []
    while level >= 0 and start < end:
        size = sizes[level]
        lo = -(-start // size) * size
        hi = end // size * size
        if lo < hi:
            cover.blocks.setdefault(size, []).extend(range(lo, hi, size))
            left += _split(start, lo, sizes, level - 1, cover)
            start = hi
        level -= 1
    if start < end:
        left.append((start, end))
    return left


def _joined(pieces: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    joined: list[tuple[datetime, datetime]] = []
    for start, end in pieces:
        if joined and joined[-1][1] == start:
            start = joined.pop()[0]
        joined.append((start, end))
    return joined


def cover_ranges(ranges: Sequence[tuple[datetime, datetime]], sizes: Sequence[int]) -> Cover:
    """Return the largest aligned blocks inside each [start, end) range, and the slivers."""
    cover = Cover()
    for start, end in ranges:
        if start >= end:
            continue
        # Blocks start and end on whole seconds; a fraction at either end is a sliver.
        first, last = epoch_floor(start), epoch_floor(end)
        if _at(first) < start:
            first += 1
        pieces = [(start, min(_at(first), end))] if _at(first) > start else []
        if first < last:
            pieces += [
                (_at(a), _at(b)) for a, b in _split(first, last, sizes, len(sizes) - 1, cover)
            ]
        if _at(last) < end and last >= first:
            pieces.append((_at(last), end))
        # Slivers of one range only: a sliver must lie inside the range it is counted in.
        cover.slivers += _joined(pieces)
    return cover
