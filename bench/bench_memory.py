"""Benchmark 7: worker peak RSS after 100,000 API requests against after 1,000.

Requests rotate over GET /api/v1/me and the data endpoints that exist (calls list,
geo-data, reports) on a database of 100k calls. Peak RSS is each worker's VmHWM from
/proc. Goal: the peak after 100,000 requests is at most 1.2x the peak after 1,000.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

from bench.common import (
    Server,
    Verdict,
    bearer,
    endpoint_available,
    ensure_postgres,
    wrk,
    wrk_script,
)
from bench.seed import bench_database, period_params

BASELINE = 1_000
TOTAL = int(os.environ.get("BENCH_MEMORY_REQUESTS", "100000"))
GOAL = 1.2


def _paths(database) -> list[str]:
    campaign = database.info["campaign_uuid"]
    period = urlencode(period_params(database, "30d"))
    return [
        "/api/v1/me",
        "/api/v1/calls?limit=200",
        f"/api/v1/campaigns/{campaign}/geo-data?{period}",
        f"/api/v1/reports/summary?group_by=city&{period}",
        f"/api/v1/reports/timeseries?interval=day&{period}",
    ]


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit(f"no VmHWM for pid {pid}")


def main() -> None:
    ensure_postgres()
    verdict = Verdict(f"Memory: worker peak RSS after {TOTAL:,} API requests vs {BASELINE:,}")
    database = bench_database(100_000)
    headers = bearer(database.info["api_keys"][0])
    with Server(database) as server:
        paths = [p for p in _paths(database) if endpoint_available(server.base + p, headers)]
        names = ", ".join(f'"{path}"' for path in paths)
        script = wrk_script(
            headers,
            body=f"""
local paths = {{{names}}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[n % #paths + 1])
end
""",
        )
        sent, bad, peaks = 0, 0, {}
        for target, seconds in ((BASELINE, 1), (TOTAL, 10)):
            while sent < target:
                result = wrk(server.base + "/", script, seconds=seconds)
                sent, bad = sent + result.requests, bad + result.bad_responses
            peaks[target] = max(_peak_kib(pid) for pid in server.worker_pids())
            verdict.figure(f"worker peak RSS after {sent:,} requests", peaks[target] / 1024, "MiB")
    verdict.figure("endpoints in the rotation", len(paths), "")
    verdict.goal("error responses", bad, 0)
    verdict.goal(f"peak after {TOTAL:,} / after {BASELINE:,}", peaks[TOTAL] / peaks[BASELINE], GOAL)
    verdict.exit()


if __name__ == "__main__":
    main()
