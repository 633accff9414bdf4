"""The read gateway (ringtonic.db.reads) and the reads engine (ringtonic.db.engines).

Prepared reads return exactly what SQLAlchemy would, run on SQLAlchemy's pool (so its
events see them and no connection is left behind), and on PostgreSQL run on connections of
their own: autocommit, read-only, prepared by psycopg and planned once.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, column, create_engine, event, exc, select, table, text

from ringtonic import create_app
from ringtonic.db import engines
from ringtonic.db.reads import PreparedRead, PreparedRows
from ringtonic.extensions import db
from ringtonic.models import ApiKey
from ringtonic.models.types import utcnow
from tests.support.call_builders import add_call, add_campaign
from tests.support.keys import api_get, issue_key


def key_columns():
    return select(
        ApiKey.id, ApiKey.uuid, ApiKey.abilities, ApiKey.created_at, ApiKey.revoked_at
    ).where(ApiKey.digest == bindparam("digest"))


@pytest.fixture
def reads(app):
    """The reads engine of the app's PostgreSQL database, with a fresh pool."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a pool of its own only on PostgreSQL")
    db.session.remove()
    db.engine.dispose()
    return engines.reads_engine(db.engine)


def test_a_prepared_read_converts_values_like_sqlalchemy(app, make_account):
    _, user, workspace = make_account(plan="agency")
    issue_key(workspace, user, access="read_write")
    digest = db.session.scalar(select(ApiKey.digest))
    expected = tuple(db.session.execute(key_columns(), {"digest": digest}).one())
    db.session.remove()

    row = PreparedRead(key_columns).one_or_none(db.engine, digest=digest)

    assert row == expected
    assert row[2] == ["read", "write"]
    assert row[3].tzinfo is not None and row[3] <= datetime.now(UTC)
    assert PreparedRead(key_columns).one_or_none(db.engine, digest="0" * 64) is None


def test_a_failed_prepared_read_leaves_the_pool_usable(app, make_account):
    _, user, workspace = make_account(plan="agency")
    issue_key(workspace, user)
    digest = db.session.scalar(select(ApiKey.digest))
    db.session.remove()

    def broken():
        return select(text("no_such_column")).select_from(ApiKey.__table__)

    reader = engines.reads_engine(db.engine)
    checked_out = reader.pool.checkedout()
    with pytest.raises(exc.DBAPIError):
        PreparedRead(broken).one_or_none(db.engine)
    assert reader.pool.checkedout() == checked_out
    assert PreparedRead(key_columns).one_or_none(db.engine, digest=digest) is not None


def test_a_prepared_read_converts_parameters_like_sqlalchemy(app, make_account):
    _, user, workspace = make_account(plan="agency")
    issue_key(workspace, user)
    key_id, key_uuid = db.session.execute(select(ApiKey.id, ApiKey.uuid)).one()
    db.session.remove()
    by_uuid = PreparedRead(
        lambda: select(ApiKey.id).where(
            ApiKey.uuid == bindparam("uuid", type_=ApiKey.__table__.c.uuid.type)
        )
    )

    # A UUID is stored as 32 hex digits on SQLite and as a uuid on PostgreSQL.
    assert by_uuid.one_or_none(db.engine, uuid=key_uuid) == (key_id,)
    assert by_uuid.one_or_none(db.engine, uuid=uuid.uuid4()) is None


def test_prepared_rows_return_what_sqlalchemy_returns_for_any_list_length(app, make_account):
    _, user, workspace = make_account(plan="agency")
    for _ in range(3):
        issue_key(workspace, user)
    ids = db.session.scalars(select(ApiKey.id).order_by(ApiKey.id)).all()
    statement = (
        select(ApiKey.id, ApiKey.name, ApiKey.workspace_id)
        .where(ApiKey.id.in_(bindparam("ids", expanding=True)))
        .where(ApiKey.workspace_id == bindparam("workspace_id"))
        .order_by(ApiKey.id)
    )
    rows = PreparedRows(statement)
    for chosen in (ids, ids[:1], ids[1:], [0]):
        params = {"ids": chosen, "workspace_id": workspace.id}
        expected = [tuple(row) for row in db.session.execute(statement, params)]
        db.session.remove()
        found = rows.all(db.engine, params)
        assert found == expected
        assert len(found) == len([i for i in chosen if i in ids])
    assert engines.reads_engine(db.engine).pool.checkedout() == 0


def test_prepared_reads_are_seen_by_sqlalchemys_events(app, make_account):
    _, user, workspace = make_account(plan="agency")
    issue_key(workspace, user)
    digest = db.session.scalar(select(ApiKey.digest))
    db.session.remove()
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        seen.append(statement)

    reader = engines.reads_engine(db.engine)
    event.listen(reader, "before_cursor_execute", record)
    try:
        PreparedRead(key_columns).one_or_none(db.engine, digest=digest)
    finally:
        event.remove(reader, "before_cursor_execute", record)

    assert len(seen) == 1 and "api_keys" in seen[0]


def test_reads_from_many_threads_at_once_each_get_their_own_answer(app, make_account):
    _, user, workspace = make_account(plan="agency")
    for _ in range(4):
        issue_key(workspace, user)
    keys = db.session.execute(select(ApiKey.digest, ApiKey.id)).all()
    db.session.remove()
    read, engine = PreparedRead(key_columns), db.engine

    def read_all(_thread: int) -> list:
        return [
            (digest, read.one_or_none(engine, digest=digest)[0])
            for _ in range(25)
            for digest, _key_id in keys
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = [pair for found in pool.map(read_all, range(8)) for pair in found]

    assert len(answers) == 8 * 25 * len(keys)
    assert all(found == dict(keys)[digest] for digest, found in answers)
    assert engines.reads_engine(engine).pool.checkedout() == 0


def test_an_in_memory_sqlite_database_is_read_through_its_own_engine():
    engine = create_engine("sqlite://")
    engines.install(engine)
    try:
        assert engines.reads_engine(engine) is engine
    finally:
        engine.dispose()


def test_reads_connections_refuse_writes(app, make_account):
    _, _, workspace = make_account()
    workspace_id, model = workspace.id, type(workspace)
    db.session.remove()
    reads = engines.reads_engine(db.engine)
    assert reads is not db.engine

    with reads.connect() as connection, pytest.raises(exc.DBAPIError, match="read-?only"):
        connection.execute(
            text("UPDATE workspaces SET name = 'changed' WHERE id = :id"), {"id": workspace_id}
        )

    assert db.session.get(model, workspace_id).name != "changed"


def test_report_statements_are_prepared_and_planned_once_for_any_period(
    reads, client, make_account
):
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

    # Requests come one after another: they all used the pool's one connection, and so
    # does this read of the statements psycopg prepared on it.
    assert reads.pool.checkedin() == 1
    prepared = PreparedRows(
        select(column("generic_plans"), column("custom_plans"))
        .select_from(table("pg_prepared_statements"))
        .where(column("statement").like("%call_place_rollups%"))
    )
    plans = prepared.all(db.engine, {})
    # One statement whatever the period, prepared after its first run and planned once.
    assert len(plans) == 1, plans
    generic_plans, custom_plans = plans[0]
    assert custom_plans == 0 and generic_plans >= 7, plans


def test_reads_connections_are_closed_with_the_apps_pool(reads, client, make_account):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    assert api_get(client, "/api/v1/me", key).status_code == 200
    assert api_get(client, "/api/v1/reports/summary?group_by=campaign", key).status_code == 200
    assert reads.pool.checkedin() == 1

    db.engine.dispose()

    assert reads.pool.checkedin() == 0
    assert api_get(client, "/api/v1/me", key).status_code == 200


def test_an_operators_connection_url_is_kept_as_it_is():
    url = "postgresql+psycopg://app@db.invalid/ringtonic?options=-c%20search_path%3Dtracking"
    engine = create_engine(url)
    try:
        assert engines.reads_engine(engine).url == engine.url
    finally:
        engine.dispose()


@pytest.mark.parametrize("behind_a_transaction_pooler", [False, True])
def test_reads_session_settings_are_left_out_behind_a_transaction_pooler(
    app, behind_a_transaction_pooler
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    other = create_app(
        {
            **app.config,
            "RINGTONIC_DATABASE_TRANSACTION_POOLER": behind_a_transaction_pooler,
        }
    )
    with other.app_context():
        reader = engines.reads_engine(db.engine)
        with reader.connect() as connection:
            mode = connection.exec_driver_sql("SHOW plan_cache_mode").scalar_one()
            read_only = connection.exec_driver_sql(
                "SHOW default_transaction_read_only"
            ).scalar_one()
        db.engine.dispose()

    if behind_a_transaction_pooler:
        assert (mode, read_only) == ("auto", "off")
    else:
        assert (mode, read_only) == ("force_generic_plan", "on")
