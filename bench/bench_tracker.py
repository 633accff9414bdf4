"""Benchmark 9: the website tracker's endpoints against GET /healthz (requests per second).

- visit start (POST /t/<workspace>/visits, a new visit each request, so a number is leased
  or, once the 50-number pool is used up, the longest-idle lease taken over): >= 0.5x
- heartbeat (POST /t/<workspace>/visits/<visit>/heartbeat on one live visit): >= 0.7x
- the script (GET /t/<workspace>.js, answered from memory): >= 0.9x
Each is alternated with /healthz on the same server (wrk, 4 connections). The per-IP
limits are raised: wrk is one client, and the limits would turn the runs into 429s.
BENCH_TRACKER_RUNS=heartbeat,script runs only those (with /healthz): on PostgreSQL a
visit-start round leaves thousands of dead rows and a taken-over live visit behind it,
which the heartbeat round after it pays for.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid

from bench.common import (
    Server,
    Verdict,
    ensure_postgres,
    interleave,
    median,
    wrk,
    wrk_script,
)
from bench.seed import bench_app, bench_database
from ringtonic.extensions import db
from ringtonic.models import Campaign, PhoneNumber, Workspace
from ringtonic.services.tracking.settings import TrackerChoices, save_settings

GOALS = {"visit start": 0.5, "heartbeat": 0.7, "script": 0.9}
POOL_SIZE = 50
SITE = "https://www.bench-plumber.example"


def _set_up_tracking(database) -> str:
    """Give the bench workspace a pool and tracker settings; return the workspace uuid."""
    app = bench_app(database.url)
    with app.app_context():
        workspace = db.session.scalar(
            db.select(Workspace).where(Workspace.uuid == uuid.UUID(database.info["workspace_uuid"]))
        )
        campaign = Campaign(workspace_id=workspace.id, name="Bench website", type="website")
        db.session.add(campaign)
        db.session.flush()
        for n in range(POOL_SIZE):
            db.session.add(
                PhoneNumber(
                    workspace_id=workspace.id,
                    campaign_id=campaign.id,
                    number=f"+1737555{n:04d}",
                    forwarding_number="+15125550100",
                )
            )
        db.session.flush()
        save_settings(
            workspace,
            TrackerChoices(str(campaign.uuid), "bench-plumber.example", "(512) 555-0100",
                           30, 10, False, False, True),  # fmt: skip
        )
        db.session.commit()
        return str(workspace.uuid)


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Origin": SITE}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def main() -> None:
    ensure_postgres()
    verdict = Verdict("Website tracker: visit start, heartbeat and script vs GET /healthz")
    database = bench_database(0, writable=True)
    workspace_uuid = _set_up_tracking(database)
    os.environ["RINGTONIC_VISIT_LIMIT_PER_IP"] = "100000000 per hour"
    os.environ["RINGTONIC_HEARTBEAT_LIMIT_PER_IP"] = "100000000 per hour"
    body = json.dumps({"page": SITE + "/?gclid=bench", "referrer": "https://www.google.com/"})
    with Server(database) as server:
        base = f"{server.base}/t/{workspace_uuid}"
        live = _post(base + "/visits", {"page": SITE + "/"})
        post_headers = {"Origin": SITE, "Content-Type": "text/plain"}
        start_script = wrk_script(
            post_headers, f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
        )
        beat_script = wrk_script(post_headers, 'wrk.method = "POST"\n')
        runs = {
            "healthz": lambda: wrk(server.base + "/healthz"),
            "visit start": lambda: wrk(base + "/visits", start_script),
            "heartbeat": lambda: wrk(f"{base}/visits/{live['session_id']}/heartbeat", beat_script),
            "script": lambda: wrk(base + ".js"),
        }
        chosen = os.environ.get("BENCH_TRACKER_RUNS")
        if chosen:
            wanted = {"healthz", *(name.strip() for name in chosen.split(","))}
            unknown = wanted - runs.keys()
            if unknown:
                raise SystemExit(f"BENCH_TRACKER_RUNS: no run named {', '.join(sorted(unknown))}")
            runs = {name: run for name, run in runs.items() if name in wanted}
        results = interleave(runs)
    rates = {name: median([r.requests_per_second for r in runs]) for name, runs in results.items()}
    for name, figures in results.items():
        bad = sum(r.bad_responses for r in figures)
        if bad:
            verdict.failures.append(f"{name}: {bad} bad responses")
        verdict.figure(f"{name} requests/s (median of {len(figures)})", rates[name], "req/s")
    for name, goal in GOALS.items():
        if name not in rates:
            continue
        verdict.goal(f"ratio {name} / healthz", rates[name] / rates["healthz"], goal, at_most=False)
    verdict.exit()


if __name__ == "__main__":
    main()
