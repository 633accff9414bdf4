"""Direct reads return exactly what SQLAlchemy would, and leave no connection behind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select, text

from ringtonic.direct_reads import DirectRead, DirectRows
from ringtonic.extensions import db
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
