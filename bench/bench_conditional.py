"""Benchmark 10: a poller's revalidation (304 to If-None-Match) against the full answer.

GET /api/v1/calls (a page of 50) and GET /api/v1/calls/<uuid> on the bench workspace,
each measured answering in full and answering 304 to the ETag of the full answer.
Goal: a 304 costs at most 0.5x the full answer (median latency, one connection).
BENCH_CONDITIONAL_CALLS sets the workspace size (default 1,000,000, as the goal says).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

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
from bench.seed import bench_database

CALLS = int(os.environ.get("BENCH_CONDITIONAL_CALLS", "1000000"))
GOAL = 0.5


def _etag_and_body(url: str, headers: dict) -> tuple[str, dict]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return response.headers["ETag"], json.loads(response.read())


def _status(url: str, headers: dict) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main() -> None:
    ensure_postgres()
    verdict = Verdict(f"Conditional GETs: 304 against the full answer, {CALLS:,} calls")
    database = bench_database(CALLS)
    headers = bearer(database.info["api_keys"][0])
    runs = {}
    with Server(database) as server:
        page = f"{server.base}/api/v1/calls?limit=50"
        if not endpoint_available(page, headers):
            verdict.exit()
        page_tag, body = _etag_and_body(page, headers)
        if page_tag is None:
            print("  GET /api/v1/calls answers no ETag here: nothing to measure")
            verdict.exit()
        one = f"{server.base}/api/v1/calls/{body['data'][0]['uuid']}"
        one_tag, _ = _etag_and_body(one, headers)
        for name, url, tag in (("page", page, page_tag), ("call", one, one_tag)):
            revalidate = {**headers, "If-None-Match": tag}
            if _status(url, revalidate) != 304:
                verdict.failures.append(f"{name}: If-None-Match did not answer 304")
                verdict.exit()
            # The ETag holds double quotes: set it in a single-quoted Lua string.
            condition = f"wrk.headers[\"If-None-Match\"] = '{tag}'\n"
            full_script, not_modified_script = wrk_script(headers), wrk_script(headers, condition)
            runs[f"{name} full"] = lambda u=url, s=full_script: wrk(u, s, connections=1)
            runs[f"{name} 304"] = lambda u=url, s=not_modified_script: wrk(u, s, connections=1)
        results = interleave(runs)
    for name, figures in results.items():
        if sum(r.bad_responses for r in figures):
            verdict.failures.append(f"{name}: bad responses")
        verdict.figure(f"{name} median latency", median([r.p50_ms for r in figures]), "ms")
    for name in ("page", "call"):
        ratio = median([r.p50_ms for r in results[f"{name} 304"]]) / median(
            [r.p50_ms for r in results[f"{name} full"]]
        )
        verdict.goal(f"{name}: 304 / full answer latency", ratio, GOAL)
    verdict.exit()


if __name__ == "__main__":
    main()
