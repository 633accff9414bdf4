"""Benchmark 10: a poller's revalidation (304 to If-None-Match) against the full answer.

On the bench workspace, each answer is measured in full and as a 304 to the ETag of the
full answer: GET /api/v1/calls (a page of 50), GET /api/v1/calls/<uuid>, and the reports
over the last 30 days narrowed to the bench campaign (summary by source, daily time
series, the campaign's geo-data). Goal: a 304 costs at most 0.5x the full answer (median
latency, one connection). A report's ETag includes the count and newest id of its period's
website visits (`report_version`), so that read is timed as well, in process, on a copy of
the workspace given VISITS_PER_CALL website visits per call.
BENCH_CONDITIONAL_CALLS sets the workspace size (default 1,000,000, as the goal says);
BENCH_CONDITIONAL_VISITS=0 leaves the visits' part out (it copies the whole workspace).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
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
from bench.seed import bench_database, period_params
from bench.visits_cost import fingerprint_costs

CALLS = int(os.environ.get("BENCH_CONDITIONAL_CALLS", "1000000"))
GOAL = 0.5
VISITS = os.environ.get("BENCH_CONDITIONAL_VISITS", "1") != "0"


def _etag_and_body(url: str, headers: dict) -> tuple[str, dict]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return response.headers["ETag"], json.loads(response.read())


def _status(url: str, headers: dict) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _report_urls(base: str, database) -> dict[str, str]:
    """Return the report answers a dashboard polls: the last 30 days, the bench campaign."""
    campaign = database.info["campaign_uuid"]
    period = period_params(database, "30d")
    return {
        "summary": f"{base}/api/v1/reports/summary?"
        + urlencode({**period, "group_by": "source", "campaign": campaign}),
        "timeseries": f"{base}/api/v1/reports/timeseries?"
        + urlencode({**period, "interval": "day", "campaign": campaign}),
        "geo-data": f"{base}/api/v1/campaigns/{campaign}/geo-data?" + urlencode(period),
    }


def main() -> None:
    ensure_postgres()
    verdict = Verdict(f"Conditional GETs: 304 against the full answer, {CALLS:,} calls")
    database = bench_database(CALLS)
    headers = bearer(database.info["api_keys"][0])
    runs = {}
    names = []
    with Server(database) as server:
        page = f"{server.base}/api/v1/calls?limit=50"
        if not endpoint_available(page, headers):
            verdict.exit()
        page_tag, body = _etag_and_body(page, headers)
        if page_tag is None:
            print("  GET /api/v1/calls answers no ETag here: nothing to measure")
            verdict.exit()
        urls = {
            "page": page,
            "call": f"{server.base}/api/v1/calls/{body['data'][0]['uuid']}",
            **_report_urls(server.base, database),
        }
        for name, url in urls.items():
            tag, _ = _etag_and_body(url, headers)
            revalidate = {**headers, "If-None-Match": tag}
            if tag is None or _status(url, revalidate) != 304:
                verdict.failures.append(f"{name}: If-None-Match did not answer 304")
                continue
            names.append(name)
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
    for name in names:
        ratio = median([r.p50_ms for r in results[f"{name} 304"]]) / median(
            [r.p50_ms for r in results[f"{name} full"]]
        )
        verdict.goal(f"{name}: 304 / full answer latency", ratio, GOAL)
    if VISITS:
        for label, value in fingerprint_costs(CALLS).items():
            verdict.figure(label, value, "ms")
    verdict.exit()


if __name__ == "__main__":
    main()
