"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from ringtonic.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrated_schema_has_every_model_table(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables


def test_sqlite_connections_use_wal_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def _counters_persistence() -> str:
    """Return how the counters' table is stored: PostgreSQL's relpersistence, or SQLite's."""
    if db.engine.dialect.name != "postgresql":
        return "sqlite"  # one kind of table: migration 0026 leaves it as it is
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_counters'")
        ).scalar_one()


def test_rate_limit_counters_are_unlogged_on_postgresql_and_keep_their_rows_across_0026(app):
    from flask_migrate import downgrade, upgrade

    postgres = db.engine.dialect.name == "postgresql"
    # Unlogged (u) on PostgreSQL after 0026, logged (p) before it; SQLite's never change.
    unlogged, logged = ("u", "p") if postgres else ("sqlite", "sqlite")
    assert _counters_persistence() == unlogged
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO rate_limit_counters (key, count, expires_at) VALUES ('k', 3, :t)"),
            {"t": 4_102_444_800.0},
        )
    db.session.remove()
    try:
        downgrade(revision="0025")
        assert _counters_persistence() == logged
    finally:
        upgrade()
    assert _counters_persistence() == unlogged
    with db.engine.connect() as conn:
        kept = conn.execute(text("SELECT count FROM rate_limit_counters WHERE key = 'k'"))
        assert kept.scalar_one() == 3
