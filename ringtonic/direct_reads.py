"""Reads on the hottest paths, run on a pooled DBAPI cursor.

SQLAlchemy's per-execution machinery (connection wrapper, execution context, result
object) costs three to four times what a one-row indexed read costs the database; on
the read every API request makes, that was most of what authentication cost. A
DirectRead compiles its statement once per dialect with SQLAlchemy and converts the
parameters and the row with the columns' own SQLAlchemy type processors, so what goes
in and comes back is what a normal execute would send and return. DirectRows does the
same for report statements that return many rows and take lists (IN) of numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, exc
from sqlalchemy.engine import Dialect, Engine

from ringtonic.database import reads_engine


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None
    binds: dict[str, Callable]  # parameter name -> the column type's bind processor
    processors: tuple[Callable | None, ...]


class DirectRead:
    """A SELECT that returns at most one row, compiled once per dialect."""

    def __init__(self, build: Callable[[], Select]) -> None:
        self.build = build
        self.compiled: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.compiled.get((dialect.name, dialect.paramstyle))
        if compiled is None:
            statement = self.build()
            text = statement.compile(dialect=dialect)
            binds = {
                name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                for name, bind in text.binds.items()
            }
            compiled = _Compiled(
                sql=text.string,
                positional=tuple(text.positiontup) if text.positional else None,
                binds={name: process for name, process in binds.items() if process is not None},
                processors=_result_processors(statement, dialect),
            )
            self.compiled[dialect.name, dialect.paramstyle] = compiled
        return compiled

    def one_or_none(self, engine: Engine, **params) -> tuple | None:
        """Run the read on a pooled connection; return the converted row or None."""
        engine = reads_engine(engine)
        compiled = self._compile(engine.dialect)
        for name, process in compiled.binds.items():
            params[name] = process(params[name])
        arguments = (
            [params[name] for name in compiled.positional] if compiled.positional else params
        )
        row = _read(engine, compiled.sql, arguments, _first_row)
        return None if row is None else _converted(row, compiled.processors)


class DirectRows:
    """A SELECT of many rows whose parameters go to the driver as they are (no type converts them).

    Compiled once per dialect; each run only expands its lists (SQLAlchemy's own
    expansion, so the SQL is what a normal execute would send).
    """

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self.compiled: dict[tuple[str, str], tuple] = {}

    def _compile(self, dialect: Dialect) -> tuple:
        compiled = self.compiled.get((dialect.name, dialect.paramstyle))
        if compiled is None:
            text = self.statement.compile(dialect=dialect)
            for name, bind in text.binds.items():
                if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                    raise TypeError(f"DirectRows passes {name!r} as is; its type converts it")
            processors = _result_processors(self.statement, dialect)
            compiled = self.compiled[dialect.name, dialect.paramstyle] = (text, processors)
        return compiled

    def all(self, engine: Engine, params: dict) -> list[tuple]:
        """Run the read on a pooled connection, outside any transaction; return its rows."""
        engine = reads_engine(engine)
        text, processors = self._compile(engine.dialect)
        expanded = text.construct_expanded_state(params)
        if expanded.positiontup is not None:
            arguments = [expanded.parameters[name] for name in expanded.positiontup]
        else:
            arguments = expanded.parameters
        rows = _read(engine, expanded.statement, arguments, _all_rows)
        if not any(processors):
            return rows
        return [_converted(row, processors) for row in rows]


def _result_processors(statement: Select, dialect: Dialect) -> tuple[Callable | None, ...]:
    """Return each selected column's result processor (None where values come as they are)."""
    return tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )


def _converted(row, processors) -> tuple:
    return tuple(
        value if convert is None else convert(value)
        for convert, value in zip(processors, row, strict=True)
    )


def _all_rows(cursor) -> list[tuple]:
    return cursor.fetchall()


def _first_row(cursor) -> tuple | None:
    return cursor.fetchone()


def _read(engine: Engine, sql: str, arguments, fetch: Callable):
    """Run a read; after a lost connection, once more on a fresh pool."""
    try:
        return _run(engine, sql, arguments, fetch)
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        # The connection was lost (a server restart), and the other pooled ones with it:
        # start the pool afresh, as SQLAlchemy does when a statement of its own finds a
        # lost connection, and repeat the read, which is safe.
        engine.dispose()
        return _run(engine, sql, arguments, fetch)


def _run(engine: Engine, sql: str, arguments, fetch: Callable):
    """Run `sql` on a pooled DBAPI connection and return what `fetch` takes of its cursor."""
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except dbapi_error as error:
        # Wrapped as SQLAlchemy wraps it, so callers (the 503 handler) see one error type.
        raise exc.DBAPIError.instance(sql, arguments, error, dbapi_error) from error
    cursor = None
    try:
        cursor = _cursor(connection, engine.dialect.name)
        try:
            cursor.execute(sql, arguments)
            fetched = fetch(cursor)
        finally:
            if engine.dialect.name == "sqlite":
                # Reset now: a SQLite cursor left on its statement keeps its read snapshot.
                cursor.close()
    except dbapi_error as error:
        # SQLAlchemy's error handling is bypassed here: never pool a connection in an
        # unknown state, and say (as SQLAlchemy does) whether it was a lost connection.
        lost = engine.dialect.is_disconnect(error, connection.dbapi_connection, cursor)
        connection.invalidate()
        raise exc.DBAPIError.instance(
            sql, arguments, error, dbapi_error, connection_invalidated=lost
        ) from error
    except Exception:
        connection.invalidate()
        raise
    finally:
        connection.close()
    return fetched


def _cursor(connection, dialect_name: str):
    """Return a cursor on the pooled connection; on PostgreSQL the connection's own, reused.

    A psycopg cursor is dear to make (adaptation maps, a transformer) and holds nothing
    on the server once its rows are fetched. The pool clears `info` when it closes or
    replaces the connection, so a cursor never outlives its connection.
    """
    if dialect_name != "postgresql":
        return connection.cursor()
    cursor = connection.info.get("direct_reads_cursor")
    if cursor is None:
        cursor = connection.info["direct_reads_cursor"] = connection.cursor()
    return cursor
