"""Geo-data, summary and timeseries timed in-process as a campaign's history grows.

No HTTP: the services themselves (what the API endpoints call), on databases seeded
with 10k, 100k and 1M calls in one campaign, over the last 30 days and all time. Runs
alternate between sizes. Goal: 1M costs at most 2x what 10k costs. With
BENCH_FULL_COUNT=1 it also times a full count of the calls table (what the services
did before rollups) for comparison. Last, the calls list (the service behind the pages
and, after the API merge, GET /api/v1/calls): its first page against one 500,000 calls
deep, reached by following cursors, and against the second page (the first with a
cursor). Goal: the deep page costs at most 1.3x the second.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid

from sqlalchemy import func, select

from bench.common import Verdict, ensure_postgres
from bench.seed import bench_app, bench_database
from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, Workspace
from ringtonic.services.calls.pages import MAX_PAGE_SIZE, list_calls
from ringtonic.services.calls.queries import CallFilters
from ringtonic.services.reporting import rollup_queries
from ringtonic.services.reporting.geo import geo_data
from ringtonic.services.reporting.periods import resolve_period
from ringtonic.services.reporting.reports import summary_report, timeseries_report
from ringtonic.services.reporting.rollup_blocks import Cover
from ringtonic.services.reporting.rollups import ROLLUPS

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(","))
RUNS = int(os.environ.get("BENCH_SERVICE_RUNS", "15"))
GOAL = 2.0
DEPTH = 500_000
PAGINATION_GOAL = 1.3


def _reports(window: str):
    interval = "day" if window == "30d" else "month"
    return {
        "geo-data": lambda w, p, c: geo_data(w, p, c),
        "summary by source": lambda w, p, c: summary_report(w, p, "source", c),
        "summary by city": lambda w, p, c: summary_report(w, p, "city", c),
        f"timeseries by {interval}": lambda w, p, c: timeseries_report(w, p, interval, c),
    }


class Target:
    """One seeded database and an app bound to it."""

    def __init__(self, size: int) -> None:
        self.database = bench_database(size)
        self.app = bench_app(self.database.url)

    def table_rows(self) -> dict[str, int]:
        """Return how many rows the calls table and each rollup table hold."""
        with self.app.app_context():
            return {
                model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Call, *ROLLUPS)
            }

    def workspace(self) -> Workspace:
        wanted = uuid.UUID(self.database.info["workspace_uuid"])
        return db.session.scalar(select(Workspace).where(Workspace.uuid == wanted))

    def time(self, report, window: str) -> float:
        """Return the milliseconds one call of `report` takes (objects loaded beforehand)."""
        info = self.database.info
        with self.app.app_context():
            workspace = self.workspace()
            campaign = db.session.scalar(
                select(Campaign).where(Campaign.uuid == uuid.UUID(info["campaign_uuid"]))
            )
            start = "2000-01-01" if window == "all" else None
            period = resolve_period(start, None, info["time_zone"], self.database.now)
            began = time.perf_counter()
            report(workspace, period, campaign)
            elapsed = (time.perf_counter() - began) * 1000
            db.session.remove()
        return elapsed


def _full_count(ranges, spans) -> Cover:
    return Cover(slivers=list(ranges))


def main() -> None:
    ensure_postgres()
    verdict = Verdict("Reports in-process as history grows (services, no HTTP)")
    targets = {size: Target(size) for size in SIZES}
    for size, target in targets.items():
        for name, rows in target.table_rows().items():
            verdict.figure(f"{name} rows at {size:,} calls", rows, "")
    for window in ("30d", "all"):
        for name, report in _reports(window).items():
            times: dict[int, list[float]] = {size: [] for size in SIZES}
            for target in targets.values():
                target.time(report, window)  # warm caches and compiled statements
            for _ in range(RUNS):
                for size, target in targets.items():
                    times[size].append(target.time(report, window))
            medians = {size: statistics.median(values) for size, values in times.items()}
            for size, value in medians.items():
                verdict.figure(f"{name}, {window}, {size:,} calls (median)", value, "ms")
            if os.environ.get("BENCH_FULL_COUNT") == "1":
                original = rollup_queries.cover_ranges
                rollup_queries.cover_ranges = _full_count
                try:
                    for size, target in targets.items():
                        full = statistics.median(target.time(report, window) for _ in range(3))
                        verdict.figure(f"  same, full count of {size:,} calls", full, "ms")
                finally:
                    rollup_queries.cover_ranges = original
            verdict.goal(
                f"{name}, {window}: {max(SIZES):,} / {min(SIZES):,}",
                medians[max(SIZES)] / medians[min(SIZES)],
                GOAL,
            )
    _pagination(verdict, targets[max(SIZES)])
    verdict.exit()


def _pagination(verdict: Verdict, target: Target) -> None:
    """Time the calls list's first page against one DEPTH calls deep, reached by cursor."""
    if target.database.calls <= DEPTH:
        return
    with target.app.app_context():
        workspace = target.workspace()
        second = list_calls(workspace, CallFilters()).older_cursor
        cursor, seen = None, 0
        while seen < DEPTH:
            page = list_calls(workspace, CallFilters(), cursor, limit=MAX_PAGE_SIZE)
            seen, cursor = seen + len(page.calls), page.older_cursor
        db.session.remove()
    times: dict[str, list[float]] = {"first": [], "second": [], "deep": []}
    for _ in range(RUNS):
        for name, at in (("first", None), ("second", second), ("deep", cursor)):
            with target.app.app_context():
                workspace = target.workspace()
                began = time.perf_counter()
                list_calls(workspace, CallFilters(), at)
                times[name].append((time.perf_counter() - began) * 1000)
                db.session.remove()
    first, second, deep = (statistics.median(times[name]) for name in times)
    verdict.figure("calls list, first page (median)", first, "ms")
    # A cursor costs one indexed lookup of the row it names, however deep: page 2 shows it.
    verdict.figure("calls list, second page (median)", second, "ms")
    verdict.figure(f"calls list, page {DEPTH:,} calls deep (median)", deep, "ms")
    verdict.figure("calls list: deep / first page", deep / first, "")
    # In-process, the fixed cost of any cursor weighs more than over HTTP: judge depth.
    verdict.goal("calls list: deep / second page", deep / second, PAGINATION_GOAL)


if __name__ == "__main__":
    main()
