"""Benchmark 1: requests/s of an authenticated GET /api/v1/me against GET /healthz.

/healthz touches neither the database nor authentication, so the ratio is what
checking a Bearer key (parse, digest, one indexed read, last-used bookkeeping) costs
on top of Flask itself. Goal: ratio >= 0.7 on SQLite, >= 0.62 on PostgreSQL (its
reads cross a socket to the server; the last hundredths would need a hand-made pool).
"""

from __future__ import annotations

import os

from bench.common import (
    Server,
    Verdict,
    bearer,
    ensure_postgres,
    interleave,
    median,
    over_unix_socket,
    wrk,
    wrk_script,
)
from bench.seed import BenchDatabase, bench_database

GOALS = {"sqlite": 0.7, "postgres": 0.62}


def _compare(database: BenchDatabase, verdict: Verdict, label: str = "") -> float:
    """Alternate /healthz and /me on one server; print the figures, return the ratio."""
    with Server(database) as server:
        me = wrk_script(bearer(database.info["api_keys"][0]))
        runs = {
            "healthz": lambda: wrk(server.base + "/healthz"),
            "me": lambda: wrk(server.base + "/api/v1/me", me),
        }
        results = interleave(runs)
    for name, figures in results.items():
        bad = sum(r.bad_responses for r in figures)
        if bad:
            verdict.failures.append(f"{name}{label}: {bad} bad responses")
        verdict.figure(
            f"{name}{label} requests/s (median of {len(figures)})",
            median([r.requests_per_second for r in figures]),
            "req/s",
        )
    healthz = median([r.requests_per_second for r in results["healthz"]])
    return median([r.requests_per_second for r in results["me"]]) / healthz


def main() -> None:
    ensure_postgres()
    verdict = Verdict("Authentication overhead: GET /api/v1/me vs GET /healthz")
    database = bench_database(0)
    goal = GOALS[os.environ.get("BENCH_DB", "sqlite")]
    verdict.goal("ratio me / healthz", _compare(database, verdict), goal, at_most=False)
    socket = over_unix_socket(database)
    if socket is not None:
        # For reference, not judged: the same server reached as a single-host install
        # would reach it, without TCP.
        ratio = _compare(socket, verdict, " (Unix socket)")
        verdict.figure("ratio me / healthz over the Unix socket", ratio, "")
    verdict.exit()


if __name__ == "__main__":
    main()
