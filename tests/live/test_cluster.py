"""Two app hosts behind HAProxy on PostgreSQL and Redis, under load and faults.

Run by `make test-cluster` (and by the PostgreSQL pass of `make test`).

Real parts on this machine: PostgreSQL (TEST_DATABASE_URL), redis-server, two gunicorn app
hosts with 2 workers each on their own ports, a background worker (`flask worker`, Huey on
Redis) beside each host, Debian's HAProxy running deploy/haproxy.cfg and health-checking
/readyz, and a local HTTP receiver for the Agency workspace's webhook endpoint. For
LOAD_SECONDS, clients send through the balancer signed Twilio webhooks (voice, Dial action,
status; Twilio-style duplicates; a retry whenever a request fails), API reads with several
keys, sign-ins, and website visits with heartbeats, some of which then call the number they
were shown; meanwhile host A is SIGKILLed and started again, worker A is SIGKILLed and
started again, Redis is restarted, and both hosts are restarted gracefully one at a time.
Then the invariants are checked and the figures printed (and written to CLUSTER_FIGURES,
a Markdown file, when that is set).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call, WebhookDelivery, WebhookEvent, Workspace
from ringtonic.models.website import NumberLease, VisitorSession
from ringtonic.services.webhooks.endpoints import create_endpoint
from tests.live.clients import Browser, Tally, api_get
from tests.live.cluster_parts import (
    CUT_SHORT,
    Balancer,
    Log,
    figures,
    post_json,
    post_signed,
    restart_gracefully,
    scrape,
    timed_get,
)
from tests.live.seeding import ADMIN_EMAIL, POOL, add_live_pool
from tests.live.servers import WEBHOOK_ENV, LiveServer, Worker, wait_until
from tests.support.telephony_helpers import voice_params
from tests.support.web_client import PASSWORD, TEST_SECRET
from tests.support.website import SITE
from tests.webhooks.receiver import running_receiver, verify

pytestmark = pytest.mark.cluster

WORKERS_PER_HOST = 2
LOAD_SECONDS = float(os.environ.get("CLUSTER_LOAD_SECONDS", "40"))
API_LIMIT = 60  # per key per hour, shared by both hosts through Redis
READS_PER_KEY = 40  # the load's readers stay under API_LIMIT
READER_KEYS = 6
SENDERS = 3
VISITORS = 2
HEARTBEATS = 2  # per visit, before it (every CALL_EVERY-th visit) calls its number
CALL_EVERY = 3
# 5xx are tolerated only this long after the SIGKILL (and the client's retry must succeed).
KILL_WINDOW_SECONDS = 3.0
# A SIGKILLed worker's endpoint lease runs out after the delivery timeout + 15 s; then the
# other worker (or the restarted one) delivers what is left.
DELIVERY_WAIT_SECONDS = 120
METRICS_TOKEN = "cluster-test-metrics-token-0123456789"


@pytest.fixture
def cluster(scene, live_database, tmp_path, redis_server):
    """PostgreSQL, Redis, two 2-worker app hosts with a worker each and HAProxy; stopped after."""
    if not live_database.startswith("postgresql"):
        pytest.fail("the cluster test needs PostgreSQL: set TEST_DATABASE_URL (make test-cluster)")
    hosts: list[LiveServer] = []
    for name in ("a", "b"):
        # A worker loading the app under this load can take half a minute on 2 busy cores.
        directory = tmp_path / f"host-{name}"
        hosts.append(LiveServer(directory, {}, workers=WORKERS_PER_HOST, start_timeout=120))
    balancer = Balancer(tmp_path, *hosts)
    environment = {
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": live_database,
        "REDIS_URL": redis_server.url,
        "RINGTONIC_TRUSTED_PROXIES": "1",
        # Twilio signs the URL it requested: the balancer's.
        "RINGTONIC_PUBLIC_URL": balancer.base_url,
        "RINGTONIC_API_RATE_LIMITS": f"{API_LIMIT} per hour",
        "RINGTONIC_METRICS_TOKEN": METRICS_TOKEN,
        # Every client is 127.0.0.1: these limits are not what this test measures.
        "RINGTONIC_LOGIN_LIMIT_PER_IP": "100000 per hour",
        "RINGTONIC_LOGIN_LIMIT_PER_EMAIL": "100000 per hour",
        "RINGTONIC_VISIT_LIMIT_PER_IP": "100000 per minute",
        "RINGTONIC_HEARTBEAT_LIMIT_PER_IP": "100000 per minute",
        # The receiver is plain HTTP on 127.0.0.1.
        **WEBHOOK_ENV,
    }
    workers: list[Worker] = []
    for index, host in enumerate(hosts):
        host.environment.update(environment)
        host.environment["RINGTONIC_INSTANCE_PATH"] = str(tmp_path / f"instance-{index}")
        host.start()
        worker_environment = {**environment, "RINGTONIC_INSTANCE_PATH": str(tmp_path / f"w{index}")}
        workers.append(Worker(worker_environment, tmp_path / f"worker-{index}.log"))
        workers[-1].start()
    balancer.start()
    yield hosts, workers, balancer
    balancer.stop()
    for worker in workers:
        worker.stop()
    for host in hosts:
        host.stop()


@pytest.fixture
def receiver():
    """A local HTTP receiver answering 200 to every delivery."""
    with running_receiver() as running:
        yield running


def call_sid(sender: int, n: int) -> str:
    return f"CA{sender:02d}{n:030d}"


def test_two_hosts_behind_a_balancer_survive_load_and_faults(
    scene, cluster, redis_server, receiver
):
    (host_a, host_b), (worker_a, _worker_b), balancer = cluster
    add_live_pool(scene)  # a website-tracking pool of 40 numbers
    secret = _subscribe(scene, receiver.url)
    log, tally, stop = Log(), Tally(), threading.Event()
    sent: dict[str, int] = {}  # CallSid -> the answered duration it must end with
    visit_calls: dict[str, str] = {}  # CallSid -> the visit (session id) that showed the number
    shown: list[str] = []
    sessions: list[str] = []
    sign_ins: list[int] = []
    lock = threading.Lock()

    def place_call(sid: str, seconds: int, duplicate: bool, **to: str) -> None:
        voice = voice_params(sid, **to)
        assert post_signed(balancer, log, "voice", scene.voice_path, voice) == 200
        dial = voice_params(
            sid,
            CallStatus="in-progress",
            DialCallStatus="completed",
            DialCallDuration=str(seconds),
            **to,
        )
        assert post_signed(balancer, log, "dial", scene.status_path, dial) == 200
        done = voice_params(sid, CallStatus="completed", CallDuration=str(seconds + 5), **to)
        assert post_signed(balancer, log, "status", scene.status_path, done) == 200
        if duplicate:  # Twilio delivers some webhooks twice
            assert post_signed(balancer, log, "voice", scene.voice_path, voice) == 200
            assert post_signed(balancer, log, "status", scene.status_path, done) == 200
        with lock:
            sent[sid] = seconds

    def sender(number: int):
        def send() -> None:
            n = 0
            while not stop.is_set():
                place_call(call_sid(number, n), 10 + n % 50, n % 4 == 0)
                n += 1

        return send

    def reader(secret: str):
        def read() -> None:
            for n in range(READS_PER_KEY):
                if stop.is_set():
                    return
                path = "/api/v1/me" if n % 2 else "/api/v1/calls?limit=20"
                headers = {"Authorization": f"Bearer {secret}"}
                assert timed_get(balancer, log, "api", path, headers=headers).status_code == 200
                time.sleep(LOAD_SECONDS / READS_PER_KEY / 2)

        return read

    def person() -> None:
        while not stop.is_set():
            browser = Browser(balancer, tally)
            started = time.monotonic()
            try:
                browser.sign_in(ADMIN_EMAIL, PASSWORD)
                status = browser.request("GET", "/").status_code
            except (*CUT_SHORT, AssertionError, AttributeError):
                # The host holding this sign-in's page died between GET /login and POST.
                status = 0
            log.add("sign-in", status if status else 0, time.monotonic() - started)
            with lock:
                sign_ins.append(status)
            time.sleep(0.5)

    def visitor(number: int):
        def visit() -> None:
            base, n = f"/t/{scene.workspace_uuid}/visits", 0
            while not stop.is_set():
                page = {"page": SITE + "/?gclid=cluster"}
                response = post_json(balancer, log, "visit", base, page, SITE)
                assert response.status_code == 200, response.text[:300]
                session, phone = response.json()["session_id"], response.json()["number"]
                for _ in range(HEARTBEATS):
                    time.sleep(0.2)
                    beat = post_json(
                        balancer, log, "heartbeat", f"{base}/{session}/heartbeat", {}, SITE
                    )
                    assert beat.status_code == 200, beat.text[:300]
                    phone = beat.json()["number"]
                with lock:
                    shown.append(phone)
                    sessions.append(session)
                if n % CALL_EVERY == 0:  # this visitor calls the number on the page
                    sid = call_sid(50 + number, n)
                    place_call(sid, 20, False, To=phone)
                    with lock:
                        visit_calls[sid] = session
                n += 1

        return visit

    jobs = [sender(n) for n in range(SENDERS)]
    jobs += [reader(secret) for secret in scene.reader_keys[:READER_KEYS]]
    jobs += [person] + [visitor(n) for n in range(VISITORS)]
    failures: list[BaseException] = []

    def guarded(job):
        def run() -> None:
            try:
                job()
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)
                stop.set()

        return run

    threads = [threading.Thread(target=guarded(job), daemon=True) for job in jobs]
    began = time.monotonic()
    for thread in threads:
        thread.start()

    # The faults, spread over the load.
    time.sleep(LOAD_SECONDS * 0.12)
    killed_at = time.monotonic()
    host_a.kill()
    time.sleep(3)
    host_a.start()
    time.sleep(LOAD_SECONDS * 0.08)
    worker_a.kill()  # SIGKILL, perhaps mid-delivery: the outbox keeps the event
    time.sleep(2)
    worker_a.start()
    time.sleep(LOAD_SECONDS * 0.08)
    redis_server.stop()
    time.sleep(1)
    redis_server.start()
    time.sleep(LOAD_SECONDS * 0.1)
    restart_gracefully(host_a, "a", balancer)
    restart_gracefully(host_b, "b", balancer)
    time.sleep(max(0.0, began + LOAD_SECONDS - time.monotonic()))
    pool_metrics = scrape(balancer, METRICS_TOKEN)  # while visits still hold numbers
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    wall = time.monotonic() - began
    assert not failures, failures[0]
    assert not any(thread.is_alive() for thread in threads), "a client hung"

    # 5xx (and failed connections) only at the instant host A was killed.
    errors = [row for row in log.rows if row[2] == 0 or row[2] >= 500]
    # (A row is logged when the attempt ended; it was in flight at the kill if it started
    # before and ended after it.)
    late = [
        row
        for row in errors
        if not (row[0] - row[3] <= killed_at + KILL_WINDOW_SECONDS and row[0] >= killed_at)
    ]
    assert late == [], late[:10]

    # Rate limits exact across hosts: half the attempts on each host, at once. Exact while
    # Redis answers: a worker whose Redis call fails (or takes over 0.5 s on these starved
    # cores) counts in its own memory for 30 s and says so in its log; then, and only then,
    # the check is made again with a fresh key.
    for exact_key in scene.reader_keys[READER_KEYS:]:
        answers, storage_failures = _spend_on_both(host_a, host_b, exact_key, tally)
        if not storage_failures:
            break
    assert Counter(answers) == Counter({200: API_LIMIT, 429: API_LIMIT}), storage_failures

    # A key revoked on host A is refused by host B on the very next request.
    admin = Browser(host_a, tally)
    admin.sign_in(ADMIN_EMAIL, PASSWORD)
    status, secret_key = admin.create_key("Revoked across hosts")
    assert status == 201 and secret_key
    assert api_get(host_b, secret_key, tally).status_code == 200
    assert admin.revoke_key(admin.key_uuid("Revoked across hosts")) < 400
    refused = api_get(host_b, secret_key, tally)
    assert refused.status_code == 401 and refused.json()["code"] == "revoked_api_key"

    # Every call event is delivered at least once (bounded wait), signed with the secret.
    expected = _call_events(scene)
    delivered: dict[str, dict] = {}

    def all_delivered() -> bool:
        for request in list(receiver.requests):
            assert verify(secret, request.headers, request.body)
            event = json.loads(request.body)
            assert request.headers["Ringtonic-Event-Id"] == event["id"]
            delivered[event["id"]] = event
        return set(expected) <= set(delivered)

    waited = time.monotonic()
    wait_until(all_delivered, DELIVERY_WAIT_SECONDS, "every call event delivered")
    delivery_wait = time.monotonic() - waited
    kinds_by_sid: dict[str, set[str]] = {}
    for event in delivered.values():
        kinds_by_sid.setdefault(event["data"]["provider_call_id"], set()).add(event["type"])
    missing = {
        sid for sid in sent if {"call.started", "call.completed"} - kinds_by_sid.get(sid, set())
    }
    assert missing == set()
    assert _failed_deliveries(scene) == 0

    with scene.app.app_context():
        stored = db.session.execute(
            select(Call.provider_call_id, Call.status, Call.duration_seconds)
        ).all()
        visits = db.session.execute(
            select(
                VisitorSession.id,
                VisitorSession.phone_number_id,
                VisitorSession.number_leased_at,
                VisitorSession.number_until,
            ).where(VisitorSession.phone_number_id.is_not(None))
        ).all()
        leases = db.session.execute(
            select(NumberLease.phone_number_id, NumberLease.session_id)
        ).all()
        attributed = db.session.execute(
            select(Call.provider_call_id, VisitorSession.uuid)
            .join(VisitorSession, Call.visitor_session_id == VisitorSession.id)
            .where(Call.provider_call_id.in_(list(visit_calls)))
        ).all()
        db.session.remove()

    # Every CallSid sent is stored once, with its final outcome.
    by_sid = Counter(sid for sid, _, _ in stored)
    assert [sid for sid, count in by_sid.items() if count > 1] == []
    outcomes = {sid: (status, seconds) for sid, status, seconds in stored}
    assert set(sent) <= set(outcomes)
    wrong = {sid: outcomes[sid] for sid, s in sent.items() if outcomes[sid] != ("answered", s)}
    assert wrong == {}
    _assert_no_number_leased_twice(visits, leases)
    # Calls to the number a visit was shown belong to that visit (unless another visit took
    # the number over in between, which a 40-number pool makes rare).
    own = [sid for sid, visit in attributed if str(visit) == visit_calls[sid]]
    assert visit_calls and len(own) >= len(visit_calls) / 2, (len(own), len(visit_calls))
    # The pool gauges, scraped through the balancer with the official parser.
    assert pool_metrics["ringtonic_tracking_pool_numbers"] == POOL
    utilisation = pool_metrics["ringtonic_tracking_pool_utilisation_ratio"]
    assert 0 < utilisation <= 1
    assert None not in shown and sign_ins and set(sign_ins) <= {200, 0}
    # A sign-in cut by the kill was retried (the person's next one), and that one succeeded.
    assert sign_ins[-1] == 200
    retried = zip(sign_ins, sign_ins[1:], strict=False)
    assert all(after == 200 for before, after in retried if before == 0)

    table = figures(
        log,
        wall,
        [
            ("calls sent and stored once with their outcome", len(sent)),
            ("call events delivered, signed (all of them)", len(delivered)),
            ("receiver requests (with redeliveries)", len(receiver.requests)),
            ("wait after the load for the last delivery (s)", f"{delivery_wait:.0f}"),
            ("website visits (2 heartbeats each)", len(sessions)),
            ("calls from visits / attributed to their visit", f"{len(visit_calls)} / {len(own)}"),
            ("pool utilisation at the end of the load (/metrics)", f"{utilisation:.2f}"),
        ],
        errors,
    )
    print("\n" + table)
    target = os.environ.get("CLUSTER_FIGURES")
    if target:
        Path(target).write_text(table + "\n", encoding="utf-8")


def _spend_on_both(host_a, host_b, key: str, tally) -> tuple[list[int], list[str]]:
    """Spend the key's limit on each host at once: answers, and Redis-failure log lines."""
    answers: list[int] = []
    logged = [len(host.log()) for host in (host_a, host_b)]

    def spend(host: LiveServer) -> None:
        for _ in range(API_LIMIT):
            answers.append(api_get(host, key, tally).status_code)

    spenders = [threading.Thread(target=spend, args=(host,)) for host in (host_a, host_b)]
    for thread in spenders:
        thread.start()
    for thread in spenders:
        thread.join()
    lines = [
        line
        for host, offset in zip((host_a, host_b), logged, strict=True)
        for line in host.log()[offset:].splitlines()
        if "rate-limit storage unreachable" in line
    ]
    return answers, lines


def _subscribe(scene, url: str) -> str:
    """Give the Agency workspace an endpoint for every call event at `url`; its secret."""
    with scene.app.app_context():
        workspace = db.session.get(Workspace, scene.workspace_id)
        events = ["call.started", "call.completed", "call.missed", "call.updated"]
        created = create_endpoint(
            workspace, None, url, events, "cluster", allow_http=True, secret_key=TEST_SECRET
        )
        db.session.commit()
        secret = created.secret
        db.session.remove()
    return secret


def _call_events(scene) -> list[str]:
    """The ids of every call.* event in the outbox."""
    with scene.app.app_context():
        events = db.session.scalars(select(WebhookEvent).where(WebhookEvent.type.like("call.%")))
        ids = [event.public_id for event in events]
        db.session.remove()
    return ids


def _failed_deliveries(scene) -> int:
    with scene.app.app_context():
        failed = db.session.scalars(
            select(WebhookDelivery.id).where(WebhookDelivery.state == "failed")
        ).all()
        db.session.remove()
    return len(failed)


def _assert_no_number_leased_twice(visits, leases) -> None:
    """No pool number was held by two visits at once, then or now (the lease table)."""
    spans: dict[int, list] = {}
    for _visit, number_id, leased_at, until in visits:
        spans.setdefault(number_id, []).append((leased_at, until))
    for number_spans in spans.values():
        number_spans.sort()
        for (_, earlier_until), (later_start, _) in zip(
            number_spans, number_spans[1:], strict=False
        ):
            assert later_start >= earlier_until
    # Now: each number's live visit (lease not over) is the one its lease row names.
    now = datetime.now(UTC)
    holders = {number_id: session_id for number_id, session_id in leases if session_id}
    assert len(set(holders.values())) == len(holders)
    live = Counter(number_id for _visit, number_id, _, until in visits if until > now)
    assert [number_id for number_id, count in live.items() if count > 1] == []
    for visit, number_id, _, until in visits:
        if until > now:
            assert holders.get(number_id) == visit
