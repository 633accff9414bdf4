"""Faults injected into a live deployment: Redis stops, workers are killed mid-request.

(The database becoming unreachable, and lost mid-transaction, is tests/db/test_database_outage.py.)
"""

from __future__ import annotations

import re
import threading
import time

import requests
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import CALL_STATUSES, ApiKey, AuditEvent, Call
from tests.live.clients import Browser, Tally, api_get, post_login_attempts, run_all, send_webhook
from tests.live.seeding import ADMIN_EMAIL
from tests.live.servers import WORKERS, wait_until
from tests.support.telephony_helpers import TRACKING, voice_params
from tests.support.web_client import PASSWORD

LIMIT = 5
UNREACHABLE_RE = re.compile(
    r"\[(\d+)\] \[WARNING\] ringtonic.rate_limits: rate-limit storage unreachable"
)
RECOVERED_RE = re.compile(r"\[(\d+)\] \[INFO\] ringtonic.rate_limits: rate-limit storage recovered")


def test_redis_outage_degrades_limits_to_each_worker_then_shared_limits_resume(
    scene, start_server, redis_server
):
    server = start_server(
        REDIS_URL=redis_server.url,
        RINGTONIC_LOGIN_LIMIT_PER_IP=f"{LIMIT} per hour",
        RINGTONIC_LOGIN_LIMIT_PER_EMAIL="1000 per hour",
    )
    tally, before = Tally(), []
    run_all([post_login_attempts(server, tally, before, 2)])
    assert [status for status, _ in before] == [400, 400]

    redis_server.stop()
    during, reads = [], []

    def read_api() -> None:
        reads.extend(api_get(server, scene.reader_keys[0], tally).status_code for _ in range(20))

    run_all([post_login_attempts(server, tally, during, 5) for _ in range(8)] + [read_api])
    statuses = [status for status, _ in during]
    # Every request answered; each worker keeps counting in its own memory meanwhile.
    assert tally.errors == [] and tally.server_errors() == 0
    assert reads == [200] * 20
    assert set(statuses) <= {400, 429}
    assert statuses.count(400) <= WORKERS * LIMIT and statuses.count(429) >= 40 - WORKERS * LIMIT
    fell_back = set(UNREACHABLE_RE.findall(server.log()))
    assert fell_back, "no warning was logged when Redis went away"

    redis_server.start()  # empty: the counters start again

    def all_recovered() -> bool:
        run_all([post_login_attempts(server, tally, [], 1) for _ in range(8)])
        return fell_back <= set(RECOVERED_RE.findall(server.log()))

    wait_until(all_recovered, 90, "every worker back on Redis", interval=0.5)
    redis_server.client().flushall()
    after: list = []
    run_all([post_login_attempts(server, tally, after, 3) for _ in range(8)])
    assert [status for status, _ in after].count(400) == LIMIT
    assert tally.server_errors() == 0 and tally.errors == []


def test_killing_workers_mid_request_leaves_no_half_written_call_or_key(scene, start_server):
    server = start_server(RINGTONIC_LOGIN_LIMIT_PER_IP="1000 per minute")
    tally, stop = Tally(), threading.Event()
    voice: dict[str, int | None] = {}  # CallSid -> status, None when the connection died
    status_sent: dict[str, tuple[int | None, int]] = {}  # CallSid -> (status, duration sent)
    key_names: dict[str, int | None] = {}  # key name -> status of its create POST
    kills: list[int] = []

    def attempt(send, *args):
        """Return what `send` returns, or None when the connection died with its worker."""
        try:
            return send(*args)
        except requests.RequestException as error:
            tally.failed(error)
            return None

    def sender(number: int):
        def send() -> None:
            n = 0
            while not stop.is_set():
                sid, n = f"CA{number:02d}{n:030d}", n + 1
                voice[sid] = attempt(
                    send_webhook, server, scene.voice_path, voice_params(sid), tally
                )
                done = voice_params(sid, CallStatus="completed", CallDuration=str(n))
                status_sent[sid] = (
                    attempt(send_webhook, server, scene.status_path, done, tally),
                    n,
                )

        return send

    browser = Browser(server, tally)
    browser.sign_in(ADMIN_EMAIL, PASSWORD)  # before the kills: bcrypt is slow on purpose

    def key_maker() -> None:
        n = 0
        while not stop.is_set():
            name, n = f"Killed {n}", n + 1
            key_names[name] = None
            answer = attempt(browser.create_key, name)
            key_names[name] = answer[0] if answer else None

    def killer() -> None:
        for _ in range(10):
            time.sleep(0.7)
            victim = server.kill_a_worker()
            if victim:
                kills.append(victim)
        stop.set()

    run_all([sender(0), sender(1), key_maker, killer])
    wait_until(lambda: len(server.worker_pids()) == WORKERS, 30, "the workers to be replaced")
    assert len(kills) >= 8
    assert tally.errors, "no request was cut off: the kills proved nothing"
    assert voice and key_names
    assert tally.server_errors() == 0, tally.statuses
    assert requests.get(server.url("/healthz"), timeout=10).status_code == 200

    with scene.app.app_context():
        calls = {call.provider_call_id: call for call in db.session.scalars(select(Call))}
        acknowledged = {sid for sid, status in voice.items() if status == 200}
        assert acknowledged <= set(calls) <= set(voice)
        for sid, call in calls.items():
            # Complete rows only: every field of the call set from its number and webhook.
            assert (call.tracking_number, call.caller_number) == (TRACKING, "+15125550123")
            assert call.phone_number_id and call.campaign_id and call.caller_city == "Austin"
            assert call.status in CALL_STATUSES and call.workspace_id == scene.workspace_id
            status, duration = status_sent.get(sid, (None, 0))
            if status == 200:
                assert (call.status, call.duration_seconds) == ("answered", duration)
        keys = db.session.scalars(select(ApiKey).where(ApiKey.name.like("Killed %"))).all()
        created = {
            event.details["key"]
            for event in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "api_key.created")
            )
        }
        stored_names = {key.name for key in keys}
        assert {name for name, status in key_names.items() if status == 201} <= stored_names
        assert stored_names <= set(key_names)
        for key in keys:
            # A key row is whole, and was audited in the same transaction.
            assert len(key.digest) == 64 and key.hint.startswith("ringtonic_")
            assert key.created_by_id is not None and str(key.uuid) in created
        assert len(created) == len(keys) + len(scene.reader_keys)
        db.engine.dispose()
