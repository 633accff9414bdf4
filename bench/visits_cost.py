"""What a report's ETag pays for website visits: `report_version`, timed in process.

The bench workspace has no visits, so a copy of it is given BENCH_VISITS_PER_CALL
visits per call (default 0.25; the demo agency's plumber has about one), spread over the
same 90 days and tied to the bench campaign, and the version read of the last 30 days and
of all time is timed before and after (median of many reads, through the read gateway as a
report reads it), narrowed to the campaign as the benchmark's reports are, and grouped by
tracking number (which also reads the newest lease of each number).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import insert, select, text

from bench.seed import bench_app, bench_database, period_params
from ringtonic.extensions import db
from ringtonic.models import Campaign, Workspace
from ringtonic.models.website import VisitorSession
from ringtonic.services.demo.data import DAYS
from ringtonic.services.reporting.periods import resolve_period
from ringtonic.services.reporting.report_versions import Scope, report_version

VISITS_PER_CALL = float(os.environ.get("BENCH_VISITS_PER_CALL", "0.25"))
READS = 200
BUDGET = 5.0
BATCH = 10_000
SOURCES = (("google", "organic"), ("google", "cpc"), ("(direct)", "(none)"), ("yelp", "referral"))


def _median_ms(read) -> float:
    """Return the median of READS reads, or of as many as fit in BUDGET seconds (at least 5)."""
    read()  # the first read prepares the statement
    times: list[float] = []
    deadline = time.perf_counter() + BUDGET
    while len(times) < READS and (len(times) < 5 or time.perf_counter() < deadline):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _add_visits(workspace_id: int, campaign_id: int, count: int, now) -> None:
    rng = random.Random(7)
    visitors = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count // 2 + 1)]
    seconds = DAYS * 86400
    label = f"Adding {count:,} visits"
    with click.progressbar(length=count, label=label, file=sys.stderr) as bar:
        for first in range(0, count, BATCH):
            rows = []
            for _ in range(min(BATCH, count - first)):
                started = now - timedelta(seconds=rng.randrange(seconds))
                source, medium = rng.choice(SOURCES)
                rows.append(
                    {
                        "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                        "workspace_id": workspace_id,
                        "campaign_id": campaign_id,
                        "visitor_id": rng.choice(visitors),
                        "started_at": started,
                        "last_seen_at": started + timedelta(seconds=rng.randrange(20, 600)),
                        "source": source,
                        "medium": medium,
                        "number_leased_at": started,
                    }
                )
            db.session.execute(insert(VisitorSession.__table__), rows)
            db.session.commit()
            bar.update(len(rows))
    if db.engine.dialect.name == "postgresql":
        # As autovacuum does soon after this many inserts: statistics, and the visibility
        # map that lets the version's index-only scan skip the rows (timed before it, the
        # 30-day read measured 72 ms instead of 11). The bench server commits without
        # waiting for its log (synchronous_commit off): until the log is flushed, vacuum
        # cannot mark the newest pages all-visible, so it flushes first.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("CHECKPOINT"))
            conn.execute(text("VACUUM (ANALYZE) visitor_sessions"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def fingerprint_costs(calls: int) -> dict[str, float]:
    """Return the fingerprint's median cost (ms) by window, without and with visits."""
    database = bench_database(calls, writable=True)
    costs = {}
    with bench_app(database.url).app_context():
        campaign = db.session.scalars(
            select(Campaign).where(Campaign.uuid == uuid.UUID(database.info["campaign_uuid"]))
        ).one()
        workspace_id = campaign.workspace_id
        account_id = db.session.scalars(
            select(Workspace.account_id).where(Workspace.id == workspace_id)
        ).one()
        periods = {}
        for label, window in (("30 days", "30d"), ("all time", "all")):
            bounds = period_params(database, window)
            periods[label] = resolve_period(
                bounds["start_date"], bounds["end_date"], database.info["time_zone"], database.now
            )
        visits = int(calls * VISITS_PER_CALL)
        for stage in ("no visits", f"{visits:,} visits"):
            if stage != "no visits":
                _add_visits(workspace_id, campaign.id, visits, database.now)
            for window, period in periods.items():
                for by_number in (False, True):
                    label = "by number, " if by_number else ""
                    costs[f"report version, {label}{window}, {stage}"] = _median_ms(
                        lambda p=period, n=by_number: report_version(
                            Scope(workspace_id, account_id, p.start, p.end), campaign.id, n
                        )
                    )
        db.engine.dispose()
    if database.url.startswith("sqlite:///"):
        Path(database.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    return costs
