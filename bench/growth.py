"""Latency of report endpoints as a campaign's history grows from 10k to 1M calls.

One server per size, all started at once; every run alternates between sizes and
between each endpoint and GET /api/v1/me on the same server. Latency is wrk's median
with one connection (requests one after another, so no queueing).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from urllib.parse import urlencode

from bench.common import (
    Server,
    Verdict,
    bearer,
    endpoint_available,
    ensure_postgres,
    interleave,
    median,
    wrk,
    wrk_script,
)
from bench.seed import BenchDatabase, bench_database, period_params

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(","))
WINDOWS = ("30d", "all")
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
GROWTH_GOAL = 2.0
ME_GOAL = 3.0

# An endpoint: (path, extra query parameters) for a database and a window.
Endpoint = Callable[[BenchDatabase, str], tuple[str, dict[str, str]]]


def run_growth_benchmark(title: str, endpoints: dict[str, Endpoint]) -> None:
    """Measure each endpoint at every size and window; check the growth and /me goals."""
    ensure_postgres()
    verdict = Verdict(title)
    with contextlib.ExitStack() as stack:
        servers = {size: stack.enter_context(Server(bench_database(size))) for size in SIZES}
        smallest = servers[min(SIZES)]
        key = smallest.database.info["api_keys"][0]
        # Each database was seeded with keys of its own.
        scripts = {
            size: wrk_script(bearer(server.database.info["api_keys"][0]))
            for size, server in servers.items()
        }

        def url(server: Server, endpoint: Endpoint, window: str) -> str:
            path, params = endpoint(server.database, window)
            query = urlencode({**period_params(server.database, window), **params})
            return f"{server.base}{path}?{query}"

        available = {
            name: endpoint
            for name, endpoint in endpoints.items()
            if endpoint_available(url(smallest, endpoint, "30d"), bearer(key))
        }
        if not available:
            verdict.exit()
        runs: dict[str, Callable[[], float]] = {}
        for size, server in servers.items():
            script = scripts[size]
            runs[f"me {size}"] = lambda s=server, k=script: wrk(
                s.base + "/api/v1/me", k, SECONDS, connections=1
            )
            for name, endpoint in available.items():
                for window in WINDOWS:
                    target = url(server, endpoint, window)
                    runs[f"{name} {window} {size}"] = lambda t=target, k=script: wrk(
                        t, k, SECONDS, connections=1
                    )
        results = interleave(runs)
    for label, figures in results.items():
        bad = sum(r.bad_responses for r in figures)
        if bad:
            verdict.failures.append(f"{label}: {bad} bad responses")
    p50 = {label: median([r.p50_ms for r in figures]) for label, figures in results.items()}
    low, high = min(SIZES), max(SIZES)
    for name in available:
        for window in WINDOWS:
            for size in SIZES:
                verdict.figure(
                    f"{name}, {window}, {size:,} calls: median latency",
                    p50[f"{name} {window} {size}"],
                    "ms",
                )
            verdict.goal(
                f"{name}, {window}: {high:,} / {low:,} calls",
                p50[f"{name} {window} {high}"] / p50[f"{name} {window} {low}"],
                GROWTH_GOAL,
            )
            verdict.goal(
                f"{name}, {window}, {high:,} calls / GET /me",
                p50[f"{name} {window} {high}"] / p50[f"me {high}"],
                ME_GOAL,
            )
    verdict.figure(f"GET /api/v1/me at {high:,} calls: median latency", p50[f"me {high}"], "ms")
    verdict.exit()
