"""The read gateway: statements on the hottest paths, built once, run on the reads engine.

Every API request reads its key, and every report its rollup rows. A PreparedRead or
PreparedRows holds its SELECT, built once, so SQLAlchemy finds it compiled in its cache
(and the result's column processors with it) on every run after the first. Each run
takes a connection from the reads engine's pool (db.engines.reads_engine: autocommit,
read-only), so SQLAlchemy's events, error wrapping and disconnect handling all apply; on
PostgreSQL psycopg prepares the statement on the server (`prepare_threshold`), so a
repeated read is parsed and planned once per connection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import CompoundSelect, Select, exc
from sqlalchemy.engine import Engine

from ringtonic.db.engines import reads_engine


class PreparedRead:
    """A SELECT that returns at most one row, built on first use."""

    def __init__(self, build: Callable[[], Select]) -> None:
        self.build = build
        self._statement: Select | None = None

    @property
    def statement(self) -> Select:
        """Return the statement, built once."""
        if self._statement is None:
            self._statement = self.build()
        return self._statement

    def one_or_none(self, engine: Engine, **params: Any) -> tuple | None:
        """Run the read outside any transaction; return the row or None."""
        rows = _read(engine, self.statement, params)
        return tuple(rows[0]) if rows else None


class PreparedRows:
    """A SELECT of many rows; lists (IN) are expanded per run by SQLAlchemy."""

    def __init__(self, statement: Select | CompoundSelect) -> None:
        self.statement = statement

    def all(self, engine: Engine, params: Mapping[str, Any] | None) -> list[tuple]:
        """Run the read outside any transaction; return its rows."""
        return [tuple(row) for row in _read(engine, self.statement, params)]


def _read(
    engine: Engine, statement: Select | CompoundSelect, params: Mapping[str, Any] | None
) -> Sequence[Any]:
    """Run a read and return its rows; after a lost connection, once more on fresh ones."""
    reader = reads_engine(engine)
    try:
        return _run(reader, statement, params)
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        # SQLAlchemy has already started the pool afresh (the other pooled connections
        # were lost with this one); a read is safe to repeat.
        return _run(reader, statement, params)


def _run(
    reader: Engine, statement: Select | CompoundSelect, params: Mapping[str, Any] | None
) -> Sequence[Any]:
    with reader.connect() as connection:
        return connection.execute(statement, params).all()
