"""Webhook workers as deployed: gunicorn, `flask worker` processes, SIGKILLs, Redis or SQLite."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import WebhookDelivery
from ringtonic.services.webhooks.endpoints import create_endpoint
from tests.live.clients import Tally, send_webhook
from tests.live.servers import WEBHOOK_ENV, Worker, wait_until
from tests.support.telephony_helpers import voice_params
from tests.support.web_client import TEST_SECRET
from tests.webhooks.receiver import running_receiver, verify


@pytest.fixture
def workers():
    started: list[Worker] = []

    def start(environment, log_path) -> Worker:
        worker = Worker(environment, log_path)
        started.append(worker)
        worker.start()
        return worker

    yield start
    for worker in started:
        worker.stop()


def _endpoint(scene, url: str) -> str:
    with scene.app.app_context():
        from ringtonic.models import Workspace

        workspace = db.session.get(Workspace, scene.workspace_id)
        created = create_endpoint(
            workspace,
            None,
            url,
            ["call.started", "call.completed"],
            "live",
            allow_http=True,
            secret_key=TEST_SECRET,
        )
        db.session.commit()
        secret = created.secret
        db.session.remove()
    return secret


def _deliveries(scene) -> list[tuple[str, int]]:
    with scene.app.app_context():
        rows = [(d.state, d.attempts) for d in db.session.scalars(select(WebhookDelivery))]
        db.session.remove()
    return rows


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_a_worker_killed_mid_delivery_is_replaced_and_the_event_arrives(
    scene, start_server, workers, live_database, tmp_path, request, queue
):
    environment = {
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": live_database,
        "RINGTONIC_INSTANCE_PATH": str(tmp_path / "instance"),
        **WEBHOOK_ENV,
    }
    if queue == "redis":
        environment["REDIS_URL"] = request.getfixturevalue("redis_server").url
    with running_receiver() as receiver:
        secret = _endpoint(scene, receiver.url)
        receiver.answer(200, delay=60)  # the first request hangs until the worker dies
        server = start_server(**{k: v for k, v in environment.items() if k != "SECRET_KEY"})
        first = workers(environment, tmp_path / "worker-1.log")
        assert send_webhook(server, scene.voice_path, voice_params(), Tally()) == 200
        receiver.wait_for(1, timeout=30)
        first.kill()  # SIGKILL while the receiver holds the request
        workers(environment, tmp_path / "worker-2.log")
        # The dead worker's lease runs out (timeout + 15 s), then the new one sends again.
        requests_seen = receiver.wait_for(2, timeout=60)
        one, two = requests_seen[:2]
        assert one.headers["Ringtonic-Event-Id"] == two.headers["Ringtonic-Event-Id"]
        assert one.body == two.body and json.loads(two.body)["type"] == "call.started"
        assert verify(secret, two.headers, two.body)
        # The killed attempt never finished, so it is not in the log: one attempt, delivered.
        wait_until(lambda: _deliveries(scene) == [("succeeded", 1)], 10, "delivery recorded")


def test_an_event_committed_by_a_killed_web_server_is_still_delivered(
    scene, start_server, workers, live_database, tmp_path
):
    """The queue message is lost with the web server; the outbox row is not."""
    web_environment = {
        "DATABASE_URL": live_database,
        "RINGTONIC_INSTANCE_PATH": str(tmp_path / "web-instance"),
        **WEBHOOK_ENV,
    }
    with running_receiver() as receiver:
        _endpoint(scene, receiver.url)
        server = start_server(**web_environment)
        assert send_webhook(server, scene.voice_path, voice_params(), Tally()) == 200
        params = voice_params(CallStatus="completed", CallDuration="31")
        assert send_webhook(server, scene.status_path, params, Tally()) == 200
        for pid in [*server.worker_pids(), server.process.pid]:
            os.kill(pid, signal.SIGKILL)
        server.process.wait()
        server.process = None
        assert receiver.requests == []  # no worker was running
        # A worker on another queue (the web server's queue file is gone with it).
        workers(
            {
                "SECRET_KEY": TEST_SECRET,
                "DATABASE_URL": live_database,
                "RINGTONIC_INSTANCE_PATH": str(tmp_path / "worker-instance"),
                **WEBHOOK_ENV,
            },
            tmp_path / "worker.log",
        )
        got = receiver.wait_for(2, timeout=30)
        assert sorted(json.loads(r.body)["type"] for r in got) == ["call.completed", "call.started"]
        time.sleep(1.5)
        assert len(receiver.requests) == 2  # each once
