"""The pool for reads outside transactions (database.reads_engine).

On PostgreSQL, authentication and report reads run on connections of their own: in
autocommit, read-only, and with one plan per prepared statement instead of a plan for
every run. On SQLite there is nothing to separate: the engine itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import bindparam, column, create_engine, exc, select, table, text

from ringtonic import database, held_reads
from ringtonic.direct_reads import DirectRows
from ringtonic.extensions import db
from ringtonic.held_reads import held_connections
from ringtonic.models import ApiKey
from ringtonic.models.types import utcnow
from tests.call_builders import add_call, add_campaign
from tests.keys import api_get, issue_key


@pytest.fixture
def reads(app):
    """The reads engine of the app's PostgreSQL database, with a fresh pool."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a pool of its own only on PostgreSQL")
    db.session.remove()
    db.engine.dispose()
    return database.reads_engine(db.engine)


def test_sqlite_reads_use_the_engine_itself(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert database.reads_engine(db.engine) is db.engine


def test_reads_connections_refuse_writes(reads, make_account):
    _, _, workspace = make_account()

    with reads.connect() as connection, pytest.raises(exc.InternalError, match="read-only"):
        connection.execute(
            text("UPDATE workspaces SET name = 'changed' WHERE id = :id"), {"id": workspace.id}
        )

    db.session.expire_all()
    assert db.session.get(type(workspace), workspace.id).name != "changed"


def test_report_statements_are_planned_once_for_any_period(reads, client, make_account):
    _, user, workspace = make_account(plan="agency")
    campaign = add_campaign(workspace)
    add_call(workspace, utcnow() - timedelta(hours=3), campaign=campaign, caller_city="Austin")
    db.session.commit()
    key = issue_key(workspace, user)
    geo = f"/api/v1/campaigns/{campaign.uuid}/geo-data"
    # Periods made of different blocks: a week, the default 30 days, since 2000.
    week_ago = (utcnow() - timedelta(days=6)).date().isoformat()
    periods = [f"?start_date={week_ago}", "", "?start_date=2000-01-01"]

    for _ in range(3):
        for period in periods:
            assert api_get(client, geo + period, key).status_code == 200

    # Requests come one after another: they all used the process's one held connection,
    # and so does this read of its prepared statements.
    assert held_connections(reads).idle_count() == 1
    prepared = DirectRows(
        select(column("generic_plans"), column("custom_plans"))
        .select_from(table("pg_prepared_statements"))
        .where(column("statement").like("%call_place_rollups%"))
    )
    plans = prepared.all(db.engine, {})
    # One statement whatever the period, planned once and not per run.
    assert len(plans) == 1, plans
    generic_plans, custom_plans = plans[0]
    assert custom_plans == 0 and generic_plans >= 9, plans


def test_reads_connections_are_closed_with_the_apps_pool(reads, client, make_account):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    campaigns_report = "/api/v1/reports/summary?group_by=campaign"
    assert api_get(client, "/api/v1/me", key).status_code == 200
    assert api_get(client, campaigns_report, key).status_code == 200
    held = held_connections(reads)
    assert held.idle_count() == 1
    assert reads.pool.checkedin() == 1  # the report's reads made through SQLAlchemy

    db.engine.dispose()

    assert held.idle_count() == 0
    assert reads.pool.checkedin() == 0
    assert api_get(client, "/api/v1/me", key).status_code == 200


def test_an_operators_connection_options_are_kept():
    engine = create_engine(
        "postgresql+psycopg://app@db.invalid/ringtonic?options=-c%20search_path%3Dtracking"
    )
    try:
        options = database.reads_engine(engine).url.query["options"]
    finally:
        engine.dispose()

    assert options.startswith("-c search_path=tracking ")
    assert "-c default_transaction_read_only=on" in options
    assert "-c plan_cache_mode=force_generic_plan" in options


def test_direct_rows_stay_right_when_prepared_statements_are_forgotten(
    reads, make_account, monkeypatch
):
    monkeypatch.setattr(held_reads, "MAX_PREPARED", 2)
    _, user, workspace = make_account(plan="agency")
    for _ in range(4):
        issue_key(workspace, user)
    ids = db.session.scalars(select(ApiKey.id).order_by(ApiKey.id)).all()
    db.session.remove()
    rows = DirectRows(
        select(ApiKey.id).where(ApiKey.id.in_(bindparam("ids", expanding=True))).order_by(ApiKey.id)
    )

    # Each list length is a statement of its own: five of them, two kept at a time.
    for _ in range(2):
        for length in range(1, 6):
            assert rows.all(db.engine, {"ids": ids[:length]}) == [(i,) for i in ids[:length]]
    assert held_connections(reads).idle_count() == 1
