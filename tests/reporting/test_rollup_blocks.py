"""Splitting time ranges into rollup blocks: exact, aligned, and few blocks per period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringtonic.services.reporting.periods import resolve_period
from ringtonic.services.reporting.rollup_blocks import (
    PLACE_BLOCK_SIZES,
    SOURCE_BLOCK_SIZES,
    cover_ranges,
    epoch_floor,
)

MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
ZONES = ("UTC", "America/Chicago", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham")


def pieces(cover) -> list[tuple[datetime, datetime]]:
    """Return every block and sliver of a cover as a UTC range, in time order."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    found = [
        (epoch + timedelta(seconds=start), epoch + timedelta(seconds=start + size))
        for size, starts in cover.blocks.items()
        for start in starts
    ]
    return sorted(found + cover.slivers)


@given(MOMENTS, MOMENTS, st.sampled_from([SOURCE_BLOCK_SIZES, PLACE_BLOCK_SIZES]))
def test_blocks_and_slivers_tile_the_range_exactly(first, second, sizes):
    start, end = min(first, second), max(first, second)
    cover = cover_ranges([(start, end)], sizes)
    tiles = pieces(cover)
    if start == end:
        assert tiles == []
        return
    assert tiles[0][0] == start and tiles[-1][1] == end
    for (_, previous_end), (next_start, _) in zip(tiles, tiles[1:], strict=False):
        assert previous_end == next_start  # no gap, no overlap
    for size, starts in cover.blocks.items():
        assert size in sizes and all(s % size == 0 for s in starts)
    # Slivers only where a block cannot start or end: shorter than the smallest block.
    assert all(e - s < timedelta(seconds=sizes[0]) for s, e in cover.slivers)


@pytest.mark.parametrize("zone", ZONES)
def test_a_30_day_period_in_any_zone_is_a_few_blocks_and_no_sliver(zone):
    largest = 0
    for offset in range(0, 366, 5):
        now = datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(days=offset)
        period = resolve_period(None, None, zone, now)
        cover = cover_ranges([(period.start, period.end)], SOURCE_BLOCK_SIZES)
        assert cover.slivers == []
        largest = max(largest, sum(len(starts) for starts in cover.blocks.values()))
    assert largest <= 24


def test_all_time_is_as_few_blocks_as_a_month():
    period = resolve_period("2000-01-01", "2026-11-27", "America/Chicago", datetime.now(UTC))
    cover = cover_ranges([(period.start, period.end)], PLACE_BLOCK_SIZES)
    assert cover.slivers == []
    assert sum(len(starts) for starts in cover.blocks.values()) <= 24


def test_exact_instants_leave_slivers_at_the_edges_only():
    start = datetime(2026, 3, 1, 10, 7, 13, 500_000, tzinfo=UTC)
    end = datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC)
    cover = cover_ranges([(start, end)], SOURCE_BLOCK_SIZES)
    assert cover.slivers == [
        (start, datetime(2026, 3, 1, 10, 15, tzinfo=UTC)),
        (datetime(2026, 3, 2, tzinfo=UTC), end),
    ]


def test_epoch_floor_is_exact_for_microseconds():
    moment = datetime(2026, 11, 27, 14, 59, 59, 999_999, tzinfo=UTC)
    assert epoch_floor(moment) == int(datetime(2026, 11, 27, 14, 59, 59, tzinfo=UTC).timestamp())
