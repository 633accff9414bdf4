"""Benchmark 4: GET /api/v1/calls, the first page against one 500,000 calls deep.

The deep page is reached the way a client reaches it, by following next_cursor from
the first page (limit 200). Goal: deep page latency at most 1.3x the first page's.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlencode

from bench.common import (
    Server,
    Verdict,
    bearer,
    endpoint_available,
    ensure_postgres,
    get,
    interleave,
    median,
    wrk,
    wrk_script,
)
from bench.seed import bench_database

DEPTH = int(os.environ.get("BENCH_PAGE_DEPTH", "500000"))
WALK_LIMIT = 200
PAGE_LIMIT = 50
GOAL = 1.3


def _cursor_at(server: Server, headers: dict, depth: int) -> str:
    """Follow next_cursor from the first page until `depth` calls are behind."""
    cursor, seen = None, 0
    while seen < depth:
        query = {"limit": WALK_LIMIT, **({"cursor": cursor} if cursor else {})}
        status, body = get(f"{server.base}/api/v1/calls?{urlencode(query)}", headers)
        if status != 200:
            raise SystemExit(f"GET /api/v1/calls answered {status} at depth {seen}: {body[:300]!r}")
        page = json.loads(body)
        seen += len(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            raise SystemExit(f"only {seen:,} calls: seed more for a {depth:,}-deep page")
        if seen % 50_000 < WALK_LIMIT:
            print(f"  walked {seen:,} calls deep", flush=True)
    return cursor


def main() -> None:
    ensure_postgres()
    verdict = Verdict(f"Deep pagination: first page against {DEPTH:,} calls deep")
    database = bench_database(1_000_000)
    headers = bearer(database.info["api_keys"][0])
    with Server(database) as server:
        first = f"{server.base}/api/v1/calls?limit={PAGE_LIMIT}"
        if not endpoint_available(first, headers):
            verdict.exit()
        deep = f"{first}&{urlencode({'cursor': _cursor_at(server, headers, DEPTH)})}"
        script = wrk_script(headers)
        results = interleave(
            {
                "first": lambda: wrk(first, script, connections=1),
                "deep": lambda: wrk(deep, script, connections=1),
            }
        )
    for name, figures in results.items():
        if sum(r.bad_responses for r in figures):
            verdict.failures.append(f"{name}: bad responses")
        verdict.figure(f"{name} page median latency", median([r.p50_ms for r in figures]), "ms")
    ratio = median([r.p50_ms for r in results["deep"]]) / median(
        [r.p50_ms for r in results["first"]]
    )
    verdict.goal("deep / first page latency", ratio, GOAL)
    verdict.exit()


if __name__ == "__main__":
    main()
