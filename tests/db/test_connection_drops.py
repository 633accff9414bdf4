"""Pooled connections that died (a server restart, an idle timeout) are replaced.

Pooled connections are pinged only after sitting idle (ringtonic/db/engines.py), so these
tests check both halves: a busy connection costs no ping, an idle one is pinged and
replaced when dead, and API authentication and report reads repeat their read when
their connection was lost.
PostgreSQL's server ends the connections; a SQLite file cannot drop one, so there the
nearest thing, closing them under the app, stands in.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from ringtonic.db import engines
from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.reporting.periods import resolve_period
from ringtonic.services.reporting.reports import summary_report
from tests.support.call_builders import add_call
from tests.support.keys import api_get, issue_key


@pytest.fixture
def opened(app):
    """Fresh pools; every DBAPI connection they open from now on is remembered.

    Both of the app's pools: the ORM's and, on PostgreSQL, the one for reads outside
    transactions (authentication, reports).
    """
    db.session.remove()
    db.engine.dispose()
    watched = {db.engine, engines.reads_engine(db.engine)}
    connections = []

    def remember(dbapi_connection, _record):
        connections.append(dbapi_connection)

    for engine in watched:
        event.listen(engine, "connect", remember)
    yield connections
    for engine in watched:
        event.remove(engine, "connect", remember)
    # Start the pools afresh for the fixtures that clean up after the test.
    db.session.remove()
    db.engine.dispose()


def drop_the_apps_connections(opened) -> None:
    """Kill every connection the app's pool holds, as a database restart would."""
    db.session.remove()
    assert opened, "the app opened no connection to drop"
    if db.engine.dialect.name != "postgresql":
        for connection in opened:
            connection.close()
        return
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
    assert ended >= 1


@pytest.fixture
def pings(monkeypatch):
    """Count the pings the pools send."""
    sent = []
    for engine in {db.engine, engines.reads_engine(db.engine)}:
        original = engine.dialect.do_ping

        def counting(dbapi_connection, original=original):
            sent.append(dbapi_connection)
            return original(dbapi_connection)

        monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return sent


def test_connections_in_use_are_not_pinged(opened, client, make_account, pings):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)

    for path in ("/api/v1/me", "/api/v1/campaigns", "/api/v1/me", "/api/v1/calls"):
        assert api_get(client, path, key).status_code == 200

    assert opened and pings == []


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
    opened, client, make_account, pings, monkeypatch
):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    assert api_get(client, "/api/v1/campaigns", key).status_code == 200
    monkeypatch.setattr(engines, "IDLE_PING_SECONDS", 0.0)

    drop_the_apps_connections(opened)
    # The campaigns list reads through the ORM session, after authentication's own read.
    response = api_get(client, "/api/v1/campaigns", key)

    assert response.status_code == 200
    assert len(pings) >= 1


def test_api_authentication_repeats_its_read_on_a_dropped_connection(
    opened, client, make_account, pings
):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    workspace_uuid = str(workspace.uuid)
    assert api_get(client, "/api/v1/me", key).status_code == 200

    drop_the_apps_connections(opened)
    response = api_get(client, "/api/v1/me", key)

    assert response.status_code == 200
    assert response.json["workspace"]["uuid"] == workspace_uuid
    assert pings == []  # replaced because the read failed, not because of a ping


def test_report_reads_repeat_on_a_dropped_connection(opened, make_account, pings):
    _, _, workspace = make_account()
    add_call(workspace, utcnow() - timedelta(hours=2), source="google")
    db.session.commit()
    # Only the id is read: the stand-in needs no session (whose connection is dropped too).
    same_workspace = SimpleNamespace(id=workspace.id)
    period = resolve_period(None, None, "UTC", utcnow())
    assert summary_report(same_workspace, period, "source")["totals"]["calls"] == 1

    drop_the_apps_connections(opened)
    report = summary_report(same_workspace, period, "source")

    assert report["totals"]["calls"] == 1
    assert report["groups"][0]["source"] == "google"
    assert pings == []
