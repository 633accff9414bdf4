"""Benchmark: webhooks. Outbox cost on ingest, callback-to-receiver latency, drain rate.

1. Signed Twilio voice + status pairs in process (Flask test client), interleaved rounds:
   to a workspace with a subscribed endpoint (two events, their outbox rows written and
   queued after the commit) against the same pair to a workspace of the same account
   without one (which still looks for endpoints). Goal: at most 1.10. For information, also
   against event emission switched off altogether (the code before webhooks).
2. With `flask --app wsgi worker` running (SQLite queue), the time from sending a status
   callback to a local receiver getting its call.completed event. Goal: median under 2 s.
3. 1,000 events queued while no worker runs, then one worker started: events delivered per
   second to a fast receiver. Goal: at least 50.

SQLite in a temporary folder; BENCH_DATABASE_URL=postgresql+psycopg://... runs it there.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from unittest import mock

from flask_migrate import upgrade
from sqlalchemy import func, select, text
from twilio.request_validator import RequestValidator

from ringtonic import create_app
from ringtonic.background import webhooks
from ringtonic.extensions import db
from ringtonic.models import Call, WebhookDelivery, Workspace
from ringtonic.services.accounts.accounts import create_account
from ringtonic.services.accounts.workspaces import create_workspace
from ringtonic.services.telephony.credentials import save_credentials
from ringtonic.services.telephony.numbers import NumberDetails, add_number
from ringtonic.services.webhooks import outbox
from ringtonic.services.webhooks.endpoints import create_endpoint
from tests.webhooks.receiver import running_receiver

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-" + "x" * 32
TOKEN = "0123456789abcdef0123456789abcdef"
TRACKING = "+15125550147"
PAIRS = int(os.environ.get("BENCH_WEBHOOK_PAIRS", "150"))
ROUNDS = 3
DRAIN = 1000
LATENCY_SAMPLES = 20
MISS_SECONDS = 30.0  # an event not received by then counts as this late
ENV = {"RINGTONIC_WEBHOOK_ALLOW_PRIVATE": "true", "RINGTONIC_WEBHOOK_ALLOW_HTTP": "true"}


def _config(url: str, instance: str) -> dict:
    return {
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": instance,
        "BCRYPT_ROUNDS": 4,
        "RATELIMIT_ENABLED": False,
        "RINGTONIC_WEBHOOK_ALLOW_PRIVATE": True,
        "RINGTONIC_WEBHOOK_ALLOW_HTTP": True,
    }


def _setup(app, receiver_url: str) -> Workspace:
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))
        _, user, workspace = create_account("Bench", "bench@example.com", "x" * 12, "agency")
        db.session.commit()
        quiet = create_workspace(workspace.account, "No endpoints", "America/Chicago")
        db.session.flush()
        for each in (workspace, quiet):
            save_credentials(each, "AC" + "1" * 32, TOKEN, SECRET)
            add_number(each, NumberDetails(TRACKING, "+15125550100", "GBP", "", "GBP", "organic"))
        create_endpoint(workspace, user, receiver_url, ["call.started", "call.completed"], "",
                        allow_http=True, secret_key=SECRET)  # fmt: skip
        db.session.commit()
        return str(workspace.uuid), str(quiet.uuid)


def _pair(workspace_uuid: str, sid: str) -> list[tuple[str, dict, str]]:
    voice = {"CallSid": sid, "AccountSid": "AC" + "1" * 32, "From": "+15125550123",
             "To": TRACKING, "CallStatus": "ringing", "Direction": "inbound"}  # fmt: skip
    status = {**voice, "CallStatus": "completed", "DialCallStatus": "completed",
              "DialCallDuration": "42"}  # fmt: skip
    validator = RequestValidator(TOKEN)
    signed = []
    for kind, params in (("voice", voice), ("status", status)):
        path = f"/hooks/twilio/{kind}/{workspace_uuid}"
        signed.append(
            (path, params, validator.compute_signature("http://localhost" + path, params))
        )
    return signed


def _ingest_seconds(client, workspace_uuid: str, tag: str) -> float:
    requests = [r for n in range(PAIRS) for r in _pair(workspace_uuid, f"CA{tag}{n:08d}")]
    began = time.perf_counter()
    for path, params, signature in requests:
        response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200
    return (time.perf_counter() - began) / PAIRS


def ingest_ratio(app, workspace_uuid: str, quiet_uuid: str) -> float:
    client = app.test_client()
    with_outbox, without, off = [], [], []
    for round_ in range(ROUNDS):
        with_outbox.append(_ingest_seconds(client, workspace_uuid, f"w{round_}"))
        without.append(_ingest_seconds(client, quiet_uuid, f"q{round_}"))
        with mock.patch.object(outbox, "subscribed_endpoints", return_value=[]):
            off.append(_ingest_seconds(client, quiet_uuid, f"o{round_}"))
    a, b, c = (statistics.median(x) * 1000 for x in (with_outbox, without, off))
    print(f"ingest pair: {a:.2f} ms writing the outbox, {b:.2f} ms with no endpoint, "
          f"{c:.2f} ms with webhooks switched off ({a / c:.3f} x)")  # fmt: skip
    return a / b


def _worker(url: str, instance: str) -> subprocess.Popen:
    environment = {"PATH": os.environ["PATH"], "SECRET_KEY": SECRET, "DATABASE_URL": url,
                   "RINGTONIC_INSTANCE_PATH": instance, **ENV}  # fmt: skip
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "worker", "--threads", "4"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def latency(app, workspace_uuid: str, receiver, url: str, instance: str) -> float:
    client = app.test_client()
    worker = _worker(url, instance)
    try:
        time.sleep(8)  # started (slowly on a busy machine) and idle
        samples = []
        for n in range(LATENCY_SAMPLES):
            voice, status = _pair(workspace_uuid, f"CAlat{n:08d}")
            client.post(voice[0], data=voice[1], headers={"X-Twilio-Signature": voice[2]})
            time.sleep(0.7)  # call.started delivered, the worker idle again
            marker = f"CAlat{n:08d}".encode()
            began = time.time()
            client.post(status[0], data=status[1], headers={"X-Twilio-Signature": status[2]})
            arrival = None
            while arrival is None and time.time() < began + MISS_SECONDS:
                completed = [r for r in list(receiver.requests) if b'"call.completed"' in r.body]
                arrival = next((r.at for r in completed if marker in r.body), None)
                time.sleep(0.002)
            samples.append(MISS_SECONDS if arrival is None else arrival - began)
    finally:
        worker.terminate()
        worker.wait()
    print(f"callback to receiver: median {statistics.median(samples) * 1000:.0f} ms, "
          f"max {max(samples) * 1000:.0f} ms")  # fmt: skip
    return statistics.median(samples)


def drain_rate(app, workspace_uuid: str, url: str, instance: str) -> float:
    with app.app_context():
        workspace = db.session.scalar(
            select(Workspace).where(Workspace.uuid == uuid.UUID(workspace_uuid))
        )
        call = db.session.scalar(select(Call).limit(1))
        with mock.patch.object(webhooks, "enqueue_endpoints"):  # queued, not yet enqueued
            for _ in range(DRAIN):
                outbox.emit(workspace, "call.completed", call)
            db.session.commit()

        def pending() -> int:
            count = db.session.scalar(
                select(func.count()).select_from(WebhookDelivery)
                .where(WebhookDelivery.state == "pending")
            )  # fmt: skip
            db.session.commit()
            return count

        assert pending() >= DRAIN
        worker = _worker(url, instance)
        began = time.perf_counter()
        try:
            while pending() and time.perf_counter() - began < 120:
                time.sleep(0.05)
        finally:
            elapsed = time.perf_counter() - began
            worker.terminate()
            worker.wait()
        assert pending() == 0, "not drained in 120 s"
    rate = DRAIN / elapsed
    print(f"drain: {DRAIN} events in {elapsed:.1f} s (worker start included): {rate:.0f}/s")
    return rate


def main() -> int:
    directory = tempfile.mkdtemp(prefix="ringtonic-bench-webhooks-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{directory}/bench.sqlite3"
    with running_receiver() as receiver:
        app = create_app(_config(url, directory))
        workspace_uuid, quiet_uuid = _setup(app, receiver.url)
        ratio = ingest_ratio(app, workspace_uuid, quiet_uuid)
        median_latency = latency(app, workspace_uuid, receiver, url, directory)
        rate = drain_rate(app, workspace_uuid, url, directory)
    checks = [
        (f"writing the outbox: ingest {ratio:.3f} x (goal <= 1.10)", ratio <= 1.10),
        (f"callback to receiver median {median_latency:.2f} s (goal < 2 s)", median_latency < 2),
        (f"drain {rate:.0f} events/s per worker (goal >= 50)", rate >= 50),
    ]
    for line, ok in checks:
        print(("PASS " if ok else "FAIL ") + line)
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
