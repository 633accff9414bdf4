"""/readyz tells a load balancer whether this host can serve: database, and Redis if set."""

from __future__ import annotations

import time

from ringtonic import create_app
from tests.support.ports import free_port
from tests.support.web_client import TEST_SECRET


def test_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_still_answers_without_checking_anything(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_redis_down_is_named_quickly(app_config):
    app_config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    client = create_app(app_config).test_client()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 2  # a balancer polls every second
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "not_ready" and body["failed"] == ["redis"]
    assert body["checks"] == {"database": "ok", "redis": "unreachable"}
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_database_down_is_named(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": TEST_SECRET,
            # A database file in a directory that does not exist: every connection fails.
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'gone' / 'db.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["database"]
    assert response.headers["Retry-After"] == "1"
