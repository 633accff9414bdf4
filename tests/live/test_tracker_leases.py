"""Hundreds of website visits at once against gunicorn with 4 workers, SQLite or PostgreSQL.

Every visit gets a number; while the pool lasts no two visits hold the same one, and once
it is exhausted each later visit takes over a lease, never sharing one with a live visit.
No 5xx and no "database is locked".
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models.website import NumberLease, VisitorSession
from tests.live.clients import run_all
from tests.live.seeding import POOL, add_live_pool
from tests.support.website import SITE

CLIENTS, VISITS_EACH = 16, 15  # 240 visits: 40 on free numbers, 200 taking over


def test_visits_at_once_across_workers_never_share_a_live_number(scene, start_server):
    add_live_pool(scene)
    server = start_server(
        RINGTONIC_VISIT_LIMIT_PER_IP="100000 per minute",
        RINGTONIC_HEARTBEAT_LIMIT_PER_IP="100000 per minute",
    )
    statuses: Counter = Counter()
    shown: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client() -> None:
        start.wait()
        for _ in range(VISITS_EACH):
            request = urllib.request.Request(
                server.url(f"/t/{scene.workspace_uuid}/visits"),
                data=json.dumps({"page": SITE + "/?gclid=live"}).encode(),
                headers={"Origin": SITE, "Content-Type": "text/plain"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                body = json.loads(response.read())
                with lock:
                    statuses[response.status] += 1
                    shown.append(body["number"])

    run_all([client] * CLIENTS)

    assert statuses == Counter({200: CLIENTS * VISITS_EACH})
    assert None not in shown and len(set(shown)) == POOL
    assert "database is locked" not in server.log()
    with scene.app.app_context():
        visits = db.session.scalar(select(func.count(VisitorSession.id)))
        holders = db.session.scalars(select(NumberLease.session_id)).all()
        took_over = db.session.scalar(
            select(func.count(VisitorSession.id)).where(VisitorSession.took_over.is_(True))
        )
        db.session.remove()
    assert visits == CLIENTS * VISITS_EACH
    # Each number is held by exactly one visit now: POOL distinct holders.
    assert len(holders) == POOL and len(set(holders)) == POOL
    assert took_over >= CLIENTS * VISITS_EACH - POOL
