"""Reads on the hottest paths, outside SQLAlchemy's execution machinery.

SQLAlchemy's per-execution machinery (connection wrapper, execution context, result
object) costs three to four times what a one-row indexed read costs the database; on
the read every API request makes, that was most of what authentication cost. A
DirectRead compiles its statement once per dialect with SQLAlchemy and converts the
parameters and the row with the columns' own SQLAlchemy type processors, so what goes
in and comes back is what a normal execute would send and return. DirectRows does the
same for report statements that return many rows and take lists (IN) of numbers.
On SQLite they run on a pooled DBAPI cursor; on PostgreSQL through libpq, on
connections each process holds (held_reads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, exc
from sqlalchemy.engine import Dialect, Engine

from ringtonic.database import reads_engine
from ringtonic.held_reads import held_connections


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None
    binds: dict[str, Callable]  # parameter name -> the column type's bind processor
    conversions: tuple[tuple[int, Callable], ...]


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
                conversions=_conversions(statement, dialect),
            )
            self.compiled[dialect.name, dialect.paramstyle] = compiled
        return compiled

    def one_or_none(self, engine: Engine, **params) -> tuple | None:
        """Run the read outside any transaction; return the converted row or None."""
        engine = reads_engine(engine)
        compiled = self._compile(engine.dialect)
        for name, process in compiled.binds.items():
            params[name] = process(params[name])
        arguments = (
            [params[name] for name in compiled.positional] if compiled.positional else params
        )
        rows = _read(engine, compiled.sql, arguments)
        return _converted(rows[0], compiled.conversions) if rows else None


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
            conversions = _conversions(self.statement, dialect)
            compiled = self.compiled[dialect.name, dialect.paramstyle] = (text, conversions)
        return compiled

    def all(self, engine: Engine, params: dict) -> list[tuple]:
        """Run the read outside any transaction; return its rows."""
        engine = reads_engine(engine)
        text, conversions = self._compile(engine.dialect)
        expanded = text.construct_expanded_state(params)
        if expanded.positiontup is not None:
            arguments = [expanded.parameters[name] for name in expanded.positiontup]
        else:
            arguments = expanded.parameters
        rows = _read(engine, expanded.statement, arguments)
        if not conversions:
            return rows
        return [_converted(row, conversions) for row in rows]


def _conversions(statement: Select, dialect: Dialect) -> tuple[tuple[int, Callable], ...]:
    """Return (position, result processor) for the selected columns whose values need one."""
    processors = (
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    return tuple(
        (index, process) for index, process in enumerate(processors) if process is not None
    )


def _converted(row, conversions) -> tuple:
    # Only the few columns with a processor are touched: most values arrive as they are.
    values = list(row)
    for index, convert in conversions:
        values[index] = convert(values[index])
    return tuple(values)


def _read(engine: Engine, sql: str, arguments) -> list:
    """Run a read and return its rows; after a lost connection, once more on fresh ones."""
    if engine.dialect.name == "postgresql":
        return held_connections(engine).rows(sql, arguments)
    try:
        return _run(engine, sql, arguments)
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        # The connection was lost, and the other pooled ones with it: start the pool
        # afresh, as SQLAlchemy does when a statement of its own finds a lost
        # connection, and repeat the read, which is safe.
        engine.dispose()
        return _run(engine, sql, arguments)


def _run(engine: Engine, sql: str, arguments) -> list:
    """Run `sql` on a pooled DBAPI connection and return its rows."""
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except dbapi_error as error:
        # Wrapped as SQLAlchemy wraps it, so callers (the 503 handler) see one error type.
        raise exc.DBAPIError.instance(sql, arguments, error, dbapi_error) from error
    cursor = None
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, arguments)
            return cursor.fetchall()
        finally:
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
