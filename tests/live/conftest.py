"""Fixtures for tests against real servers: a migrated database, seed data, gunicorn, Redis.

The database is a SQLite file, or, when TEST_DATABASE_URL names a PostgreSQL server (the
PostgreSQL pass of `make test`), a fresh database on that server, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ringtonic import create_app
from ringtonic.extensions import db
from ringtonic.services.accounts.accounts import create_account
from tests.live.seeding import ADMIN_EMAIL, live_app_config
from tests.live.servers import LiveServer, RedisServer
from tests.support.keys import issue_key
from tests.support.telephony_helpers import add_tracking_number, connect_twilio
from tests.support.web_client import PASSWORD, TEST_SECRET

READER_KEYS = 8


@pytest.fixture
def live_database(tmp_path):
    """Return the URL of an empty, migrated database only this test uses."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
        _migrate(url, tmp_path)
        yield url
        return
    name = f"ringtonic_live_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, tmp_path)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str, instance) -> None:
    app = create_app(live_app_config(url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@dataclass
class Scene:
    """What the seed put in the live database, and an in-process app to read it back."""

    app: Flask
    workspace_id: int
    workspace_uuid: str
    reader_keys: list[str]

    @property
    def voice_path(self) -> str:
        return f"/hooks/twilio/voice/{self.workspace_uuid}"

    @property
    def status_path(self) -> str:
        return f"/hooks/twilio/status/{self.workspace_uuid}"


@pytest.fixture
def scene(live_database, tmp_path) -> Scene:
    """An Agency admin with Twilio connected, a tracking number and reader keys (committed)."""
    app = create_app(live_app_config(live_database, tmp_path))
    with app.app_context():
        _account, admin, workspace = create_account("Live Agency", ADMIN_EMAIL, PASSWORD, "agency")
        db.session.commit()
        connect_twilio(workspace)
        add_tracking_number(workspace)
        keys = [issue_key(workspace, admin, name=f"Reader {n}") for n in range(READER_KEYS)]
        scene = Scene(app, workspace.id, str(workspace.uuid), keys)
        db.session.remove()
        db.engine.dispose()
    return scene


@pytest.fixture
def start_server(live_database, tmp_path):
    """Return a function that starts gunicorn on the live database (stopped afterwards)."""
    servers: list[LiveServer] = []

    def start(**environment: str) -> LiveServer:
        server = LiveServer(
            tmp_path,
            {
                "SECRET_KEY": TEST_SECRET,
                "DATABASE_URL": live_database,
                "RINGTONIC_INSTANCE_PATH": str(tmp_path / "instance"),
                **environment,
            },
        )
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def redis_server(tmp_path):
    """A running redis-server on a free port, stopped afterwards."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()
