"""Two app hosts behind HAProxy on PostgreSQL and Redis, under load and faults.

Run by `make test-cluster` (and by the PostgreSQL pass of `make test`).

Real parts on this machine: PostgreSQL (TEST_DATABASE_URL), redis-server, two gunicorn app
hosts with 2 workers each on their own ports, and Debian's HAProxy running
deploy/haproxy.cfg, health-checking /readyz. For LOAD_SECONDS, clients send through the
balancer signed Twilio webhooks (voice, Dial action, status; Twilio-style duplicates; a
retry whenever a request fails), API reads with several keys, sign-ins and website visits,
while host A is SIGKILLed and started again, Redis is restarted, and both hosts are
restarted gracefully one at a time. Then the invariants are checked and the figures printed
(and written to CLUSTER_FIGURES, a Markdown file, when that is set).
"""

from __future__ import annotations

import csv
import json
import os
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.models.website import VisitorSession
from tests.live.clients import TIMEOUT, Browser, Tally, api_get
from tests.live.conftest import ADMIN_EMAIL
from tests.live.servers import PROJECT_ROOT, LiveServer, free_port, wait_until
from tests.live.test_tracker_leases import SITE, _pool
from tests.support.telephony_helpers import AUTH_TOKEN, voice_params
from tests.support.web_client import PASSWORD, TEST_SECRET

pytestmark = pytest.mark.cluster

HAPROXY_CFG = PROJECT_ROOT / "deploy" / "haproxy.cfg"
WORKERS_PER_HOST = 2
LOAD_SECONDS = float(os.environ.get("CLUSTER_LOAD_SECONDS", "40"))
API_LIMIT = 60  # per key per hour, shared by both hosts through Redis
READS_PER_KEY = 40  # the load's readers stay under API_LIMIT
READER_KEYS = 6
SENDERS = 3
ATTEMPTS = 8  # a client tries a request this often before giving up
# 5xx are tolerated only this long after the SIGKILL (and the client's retry must succeed).
KILL_WINDOW_SECONDS = 3.0


@dataclass
class Log:
    """Every request the load made through the balancer: when, what, status, how long."""

    rows: list[tuple[float, str, int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.rows.append((time.monotonic(), kind, status, seconds))


class Balancer:
    """HAProxy running deploy/haproxy.cfg in the foreground, in front of hosts a and b."""

    def __init__(self, directory: Path, host_a: LiveServer, host_b: LiveServer) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "haproxy.log"
        self.environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "RINGTONIC_LB_BIND": f"127.0.0.1:{self.port}",
            "RINGTONIC_HOST_A": f"127.0.0.1:{host_a.port}",
            "RINGTONIC_HOST_B": f"127.0.0.1:{host_b.port}",
            "RINGTONIC_LB_ADMIN_SOCKET": str(directory / "haproxy.sock"),
        }
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(HAPROXY_CFG)],
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, 30, "HAProxy")

    def _answers(self) -> bool:
        try:
            return requests.get(self.url("/readyz"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def admin(self, command: str) -> str:
        """Send one command to HAProxy's runtime API (its stats socket) and return the answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.environment["RINGTONIC_LB_ADMIN_SOCKET"])
            connection.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server(self, name: str) -> dict[str, str]:
        """One app host's row of `show stat` (status: UP, DOWN, DRAIN...; scur: sessions now)."""
        header, *rows = self.admin("show stat").strip().splitlines()
        for row in csv.DictReader(rows, fieldnames=header.lstrip("# ").split(",")):
            if row["pxname"] == "app_hosts" and row["svname"] == name:
                return row
        raise AssertionError(f"HAProxy has no server {name}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def post_signed(balancer: Balancer, log: Log, kind: str, path: str, params: dict) -> int:
    """POST a webhook as Twilio does, retrying (as Twilio does) until it is answered < 500."""
    url = balancer.url(path)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    for _ in range(ATTEMPTS):
        started = time.monotonic()
        try:
            response = requests.post(
                url, data=params, headers={"X-Twilio-Signature": signature}, timeout=TIMEOUT
            )
            status = response.status_code
        except requests.ConnectionError:
            status = 0  # the connection itself failed: counted, then retried
        log.add(kind, status, time.monotonic() - started)
        if 0 < status < 500:
            return status
        time.sleep(0.3)
    raise AssertionError(f"{kind} {params['CallSid']}: no answer after {ATTEMPTS} attempts")


def timed_get(balancer: Balancer, log: Log, kind: str, path: str, **kwargs) -> requests.Response:
    """GET through the balancer, retrying a failed connection; log every attempt."""
    for _ in range(ATTEMPTS):
        started = time.monotonic()
        try:
            response = requests.get(balancer.url(path), timeout=TIMEOUT, **kwargs)
        except requests.ConnectionError:
            log.add(kind, 0, time.monotonic() - started)
            time.sleep(0.3)
            continue
        log.add(kind, response.status_code, time.monotonic() - started)
        if response.status_code < 500:
            return response
        time.sleep(0.3)
    raise AssertionError(f"GET {path}: no answer after {ATTEMPTS} attempts")


def restart_gracefully(host: LiveServer, name: str, balancer: Balancer) -> None:
    """Upgrade a host as docs/operations.md says: drain it in HAProxy, restart it, let it back."""
    balancer.admin(f"set server app_hosts/{name} state drain")
    wait_until(lambda: balancer.server(name)["scur"] == "0", 60, f"host {name} drained")
    host.stop()
    wait_until(lambda: balancer.server(name)["status"].startswith("DOWN"), 30, f"{name} down")
    host.start()
    # Up again (two good checks) but still drained: now it may take traffic.
    wait_until(lambda: balancer.server(name)["status"] == "DRAIN", 60, f"host {name} up")
    balancer.admin(f"set server app_hosts/{name} state ready")
    wait_until(lambda: balancer.server(name)["status"] == "UP", 30, f"host {name} ready")


@pytest.fixture
def cluster(scene, live_database, tmp_path, redis_server):
    """PostgreSQL, Redis, two 2-worker app hosts and HAProxy, all started; stopped after."""
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
        # Every client is 127.0.0.1: these limits are not what this test measures.
        "RINGTONIC_LOGIN_LIMIT_PER_IP": "100000 per hour",
        "RINGTONIC_LOGIN_LIMIT_PER_EMAIL": "100000 per hour",
        "RINGTONIC_VISIT_LIMIT_PER_IP": "100000 per minute",
        "RINGTONIC_HEARTBEAT_LIMIT_PER_IP": "100000 per minute",
    }
    for index, host in enumerate(hosts):
        host.environment.update(environment)
        host.environment["RINGTONIC_INSTANCE_PATH"] = str(tmp_path / f"instance-{index}")
        host.start()
    balancer.start()
    yield hosts, balancer
    balancer.stop()
    for host in hosts:
        host.stop()


def call_sid(sender: int, n: int) -> str:
    return f"CA{sender:02d}{n:030d}"


def test_two_hosts_behind_a_balancer_survive_load_and_faults(scene, cluster, redis_server):
    (host_a, host_b), balancer = cluster
    _pool(scene)  # a website-tracking pool of 40 numbers
    log, tally, stop = Log(), Tally(), threading.Event()
    sent: dict[str, int] = {}  # CallSid -> the answered duration it must end with
    shown: list[str] = []
    sign_ins: list[int] = []
    lock = threading.Lock()

    def sender(number: int):
        def send() -> None:
            n = 0
            while not stop.is_set():
                sid, seconds = call_sid(number, n), 10 + n % 50
                voice = voice_params(sid)
                assert post_signed(balancer, log, "voice", scene.voice_path, voice) == 200
                dial = voice_params(
                    sid,
                    CallStatus="in-progress",
                    DialCallStatus="completed",
                    DialCallDuration=str(seconds),
                )
                assert post_signed(balancer, log, "dial", scene.status_path, dial) == 200
                done = voice_params(sid, CallStatus="completed", CallDuration=str(seconds + 5))
                assert post_signed(balancer, log, "status", scene.status_path, done) == 200
                if n % 4 == 0:  # Twilio delivers some webhooks twice
                    assert post_signed(balancer, log, "voice", scene.voice_path, voice) == 200
                    assert post_signed(balancer, log, "status", scene.status_path, done) == 200
                with lock:
                    sent[sid] = seconds
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
            except (requests.ConnectionError, AssertionError, AttributeError):
                # The host holding this sign-in's page died between GET /login and POST.
                status = 0
            log.add("sign-in", status if status else 0, time.monotonic() - started)
            with lock:
                sign_ins.append(status)
            time.sleep(0.5)

    def visitor() -> None:
        while not stop.is_set():
            body = json.dumps({"page": SITE + "/?gclid=cluster"})
            response = None
            for _ in range(ATTEMPTS):
                started = time.monotonic()
                try:
                    response = requests.post(
                        balancer.url(f"/t/{scene.workspace_uuid}/visits"),
                        data=body,
                        headers={"Origin": SITE, "Content-Type": "text/plain"},
                        timeout=TIMEOUT,
                    )
                except requests.ConnectionError:
                    log.add("visit", 0, time.monotonic() - started)
                    continue
                log.add("visit", response.status_code, time.monotonic() - started)
                if response.status_code < 500:
                    break
            assert response is not None and response.status_code == 200
            with lock:
                shown.append(response.json()["number"])
            time.sleep(0.1)

    jobs = [sender(n) for n in range(SENDERS)]
    jobs += [reader(secret) for secret in scene.reader_keys[:READER_KEYS]]
    jobs += [person, visitor]
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
    time.sleep(LOAD_SECONDS * 0.15)
    killed_at = time.monotonic()
    host_a.kill()
    time.sleep(3)
    host_a.start()
    time.sleep(LOAD_SECONDS * 0.15)
    redis_server.stop()
    time.sleep(1)
    redis_server.start()
    time.sleep(LOAD_SECONDS * 0.15)
    restart_gracefully(host_a, "a", balancer)
    restart_gracefully(host_b, "b", balancer)
    time.sleep(max(0.0, began + LOAD_SECONDS - time.monotonic()))
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

    # Rate limits exact across hosts: half the attempts on each host, at once.
    exact_key = scene.reader_keys[READER_KEYS]
    answers: list[int] = []

    def spend(host: LiveServer) -> None:
        for _ in range(API_LIMIT):
            answers.append(api_get(host, exact_key, tally).status_code)

    spenders = [threading.Thread(target=spend, args=(host,)) for host in (host_a, host_b)]
    for thread in spenders:
        thread.start()
    for thread in spenders:
        thread.join()
    assert Counter(answers) == Counter({200: API_LIMIT, 429: API_LIMIT})

    # A key revoked on host A is refused by host B on the very next request.
    admin = Browser(host_a, tally)
    admin.sign_in(ADMIN_EMAIL, PASSWORD)
    status, secret = admin.create_key("Revoked across hosts")
    assert status == 201 and secret
    assert api_get(host_b, secret, tally).status_code == 200
    assert admin.revoke_key(admin.key_uuid("Revoked across hosts")) < 400
    refused = api_get(host_b, secret, tally)
    assert refused.status_code == 401 and refused.json()["code"] == "revoked_api_key"

    with scene.app.app_context():
        stored = db.session.execute(
            select(Call.provider_call_id, Call.status, Call.duration_seconds)
        ).all()
        visits = db.session.execute(
            select(
                VisitorSession.phone_number_id,
                VisitorSession.number_leased_at,
                VisitorSession.number_until,
            ).where(VisitorSession.phone_number_id.is_not(None))
        ).all()
        db.session.remove()

    # Every CallSid sent is stored once, with its final outcome.
    by_sid = Counter(sid for sid, _, _ in stored)
    assert [sid for sid, count in by_sid.items() if count > 1] == []
    outcomes = {sid: (status, seconds) for sid, status, seconds in stored}
    assert set(sent) <= set(outcomes)
    wrong = {sid: outcomes[sid] for sid, s in sent.items() if outcomes[sid] != ("answered", s)}
    assert wrong == {}
    # No number leased to two visits at once: each number's leases follow one another.
    leases: dict[int, list] = {}
    for number_id, leased_at, until in visits:
        leases.setdefault(number_id, []).append((leased_at, until))
    for spans in leases.values():
        spans.sort()
        for (_, earlier_until), (later_start, _) in zip(spans, spans[1:], strict=False):
            assert later_start >= earlier_until
    assert None not in shown and sign_ins and set(sign_ins) <= {200, 0}
    # A sign-in cut by the kill was retried (the person's next one), and that one succeeded.
    assert sign_ins[-1] == 200
    retried = zip(sign_ins, sign_ins[1:], strict=False)
    assert all(after == 200 for before, after in retried if before == 0)

    figures = _figures(log, wall, len(sent), errors)
    print("\n" + figures)
    target = os.environ.get("CLUSTER_FIGURES")
    if target:
        Path(target).write_text(figures + "\n", encoding="utf-8")


def _figures(log: Log, wall: float, calls: int, errors: list) -> str:
    latencies = sorted(seconds for _, _, status, seconds in log.rows if 0 < status < 500)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    kinds = Counter(kind for _, kind, _, _ in log.rows)
    lines = [
        "| figure | value |",
        "| --- | --- |",
        f"| wall time of the load (s) | {wall:.0f} |",
        f"| requests through the balancer | {len(log.rows)} |",
        f"| by kind | {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))} |",
        f"| requests per second | {len(log.rows) / wall:.1f} |",
        f"| 5xx or failed connections (all at the kill, all retried) | {len(errors)} |",
        f"| p50 latency (ms) | {p50:.0f} |",
        f"| p99 latency (ms) | {p99:.0f} |",
        f"| calls sent and stored once with their outcome | {calls} |",
    ]
    return "\n".join(lines)
