"""Statements compiled once to the driver's text run as Core would have run them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Uuid,
    bindparam,
    create_engine,
    exc,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ringtonic.db import engines
from ringtonic.db.compiled import CompiledStatement, run_compiled

_metadata = MetaData()
_things = Table(
    "things",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", Uuid),
    Column("seen_at", DateTime),
)


def test_a_driver_with_positional_parameters_gets_named_ones():
    compiled = CompiledStatement(select(bindparam("value")), sqlite.dialect())
    assert ":value" in compiled.sql


def test_literal_values_are_bound_once_and_required_ones_left_to_each_run():
    compiled = CompiledStatement(select(literal(7) + bindparam("n")), postgresql.psycopg.dialect())
    assert "%(n)s" in compiled.sql
    assert list(compiled.fixed.values()) == [7]


def test_values_are_converted_and_stored_as_core_stores_them(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'compiled.sqlite3'}")
    engines.install(engine)
    _metadata.create_all(engine)
    ref, moment = uuid.uuid4(), datetime(2026, 12, 5, 9, 30, 15, 123456, tzinfo=UTC)
    change = (
        update(_things)
        .where(_things.c.id == bindparam("thing"))
        .values(ref=bindparam("ref", type_=Uuid()), seen_at=bindparam("at", type_=DateTime()))
        .returning(_things.c.id)
    )
    with engine.connect() as connection:
        connection.execute(insert(_things), [{"id": 1}, {"id": 2}])
        # Core on one row, the compiled text on the other: the stored values must match.
        connection.execute(change, {"thing": 1, "ref": ref, "at": moment})
        changed = run_compiled(connection, change, {"thing": 2, "ref": ref, "at": moment})
        assert changed.scalar() == 2
        rows = connection.execute(select(_things.c.ref, _things.c.seen_at).order_by("id")).all()
        raw = connection.exec_driver_sql("SELECT ref, seen_at FROM things ORDER BY id").all()
        connection.commit()
    assert rows[0] == rows[1] == (ref, moment.replace(tzinfo=None))
    assert raw[0] == raw[1]
    engine.dispose()


def test_a_missing_required_value_is_named_before_the_driver_runs():
    compiled = CompiledStatement(select(bindparam("first") + bindparam("second")), sqlite.dialect())
    engine = create_engine("sqlite://")
    with engine.connect() as connection, pytest.raises(exc.InvalidRequestError, match="second"):
        compiled.execute(connection, {"first": 1})
    engine.dispose()
