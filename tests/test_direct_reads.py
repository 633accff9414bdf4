"""Direct reads return exactly what SQLAlchemy would, leave no connection behind, and
never share one between threads."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select, text

from ringtonic import held_reads
from ringtonic.database import reads_engine
from ringtonic.direct_reads import DirectRead, DirectRows
from ringtonic.extensions import db
from ringtonic.held_reads import KEEP_IDLE, held_connections
from ringtonic.models import ApiKey
from tests.keys import issue_key


def key_columns():
    return select(
        ApiKey.id, ApiKey.uuid, ApiKey.abilities, ApiKey.created_at, ApiKey.revoked_at
    ).where(ApiKey.digest == bindparam("digest"))


def test_a_direct_read_converts_values_like_sqlalchemy(app, make_account):
    _, user, workspace = make_account(plan="agency")
    issue_key(workspace, user, access="read_write")
    digest = db.session.scalar(select(ApiKey.digest))
    expected = tuple(db.session.execute(key_columns(), {"digest": digest}).one())
    db.session.remove()

    row = DirectRead(key_columns).one_or_none(db.engine, digest=digest)

    assert row == expected
    assert row[2] == ["read", "write"]
    assert row[3].tzinfo is not None and row[3] <= datetime.now(UTC)
    assert DirectRead(key_columns).one_or_none(db.engine, digest="0" * 64) is None


def test_a_failed_direct_read_leaves_the_pool_usable(app, make_account):
    _, user, workspace = make_account(plan="agency")
    issue_key(workspace, user)
    digest = db.session.scalar(select(ApiKey.digest))
    db.session.remove()

    def broken():
        return select(text("no_such_column")).select_from(ApiKey.__table__)

    checked_out = db.engine.pool.checkedout()
    with pytest.raises(Exception):  # noqa: B017  (whatever the driver raises)
        DirectRead(broken).one_or_none(db.engine)
    assert db.engine.pool.checkedout() == checked_out
    assert DirectRead(key_columns).one_or_none(db.engine, digest=digest) is not None


def test_a_direct_read_converts_parameters_like_sqlalchemy(app, make_account):
    _, user, workspace = make_account(plan="agency")
    issue_key(workspace, user)
    key_id, key_uuid = db.session.execute(select(ApiKey.id, ApiKey.uuid)).one()
    db.session.remove()
    by_uuid = DirectRead(
        lambda: select(ApiKey.id).where(
            ApiKey.uuid == bindparam("uuid", type_=ApiKey.__table__.c.uuid.type)
        )
    )

    # A UUID is stored as 32 hex digits on SQLite and as a uuid on PostgreSQL.
    assert by_uuid.one_or_none(db.engine, uuid=key_uuid) == (key_id,)
    assert by_uuid.one_or_none(db.engine, uuid=uuid.uuid4()) is None


def test_direct_rows_return_what_sqlalchemy_returns_for_any_list_length(app, make_account):
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
    rows = DirectRows(statement)
    for chosen in (ids, ids[:1], ids[1:], [0]):
        params = {"ids": chosen, "workspace_id": workspace.id}
        expected = [tuple(row) for row in db.session.execute(statement, params)]
        db.session.remove()
        found = rows.all(db.engine, params)
        assert found == expected
        assert len(found) == len([i for i in chosen if i in ids])
    assert db.engine.pool.checkedout() == 0


def test_reads_from_many_threads_at_once_each_get_their_own_answer(app, make_account, monkeypatch):
    # Two threads on one libpq connection would mix up (or hang on) their answers: note
    # any connection taken while in use, and let libpq run one read at a time so that
    # such a clash is reported rather than hung on.
    in_use, clashes = set(), []
    bookkeeping, one_at_a_time = threading.Lock(), threading.Lock()
    real_rows = held_reads._Held.rows

    def rows_noting_clashes(held, sql, arguments):
        with bookkeeping:
            if id(held) in in_use:
                clashes.append(held)
            in_use.add(id(held))
        try:
            with one_at_a_time:
                return real_rows(held, sql, arguments)
        finally:
            in_use.discard(id(held))

    monkeypatch.setattr(held_reads._Held, "rows", rows_noting_clashes)
    _, user, workspace = make_account(plan="agency")
    for _ in range(4):
        issue_key(workspace, user)
    keys = db.session.execute(select(ApiKey.digest, ApiKey.id)).all()
    db.session.remove()
    read, engine = DirectRead(key_columns), db.engine

    def read_all(_thread: int) -> list:
        return [
            (digest, read.one_or_none(engine, digest=digest)[0])
            for _ in range(25)
            for digest, _key_id in keys
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = [pair for found in pool.map(read_all, range(8)) for pair in found]

    assert answers and all(found == dict(keys)[digest] for digest, found in answers)
    assert not clashes
    if engine.dialect.name == "postgresql":
        assert 1 <= held_connections(reads_engine(engine)).idle_count() <= KEEP_IDLE
