"""PostgreSQL connections the server dropped (a restart, an idle timeout) are replaced.

Pooled connections are pinged only after sitting idle (ringtonic/database.py), so these
tests check both halves: a busy connection costs no ping, an idle one is pinged and
replaced when dead, and API authentication repeats its read when its connection was lost.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from ringtonic import database
from ringtonic.extensions import db
from tests.keys import api_get, issue_key


@pytest.fixture
def postgres(app):
    """Skip on SQLite; afterwards, start the pool afresh for the fixtures that clean up."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("connections are dropped by a PostgreSQL server")
    yield
    db.engine.dispose()


def drop_the_apps_connections() -> int:
    """Have the server end every other connection to this database, as a restart would."""
    outsider = create_engine(db.engine.url, poolclass=NullPool)
    try:
        with outsider.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                )
            ).scalar_one()
    finally:
        outsider.dispose()
    return ended


@pytest.fixture
def pings(monkeypatch):
    """Count the pings the pool sends."""
    sent = []
    original = db.engine.dialect.do_ping

    def counting(dbapi_connection):
        sent.append(dbapi_connection)
        return original(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counting)
    return sent


def test_connections_in_use_are_not_pinged(postgres, client, make_account, pings):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)

    for path in ("/api/v1/me", "/api/v1/campaigns", "/api/v1/me", "/api/v1/calls"):
        assert api_get(client, path, key).status_code == 200

    assert pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
    postgres, client, make_account, pings, monkeypatch
):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    assert api_get(client, "/api/v1/campaigns", key).status_code == 200
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)

    assert drop_the_apps_connections() >= 1
    # The campaigns list reads through the ORM session, after authentication's own read.
    response = api_get(client, "/api/v1/campaigns", key)

    assert response.status_code == 200
    assert len(pings) >= 1


def test_api_authentication_repeats_its_read_on_a_dropped_connection(
    postgres, client, make_account, pings
):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    assert api_get(client, "/api/v1/me", key).status_code == 200

    assert drop_the_apps_connections() >= 1
    response = api_get(client, "/api/v1/me", key)

    assert response.status_code == 200
    assert response.json["workspace"]["uuid"] == str(workspace.uuid)
    assert pings == []  # replaced because the read failed, not because of a ping
