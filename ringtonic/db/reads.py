"""The read gateway: statements on the hottest paths, compiled once, run on SQLAlchemy's pool.

Compiling a SELECT and building its result machinery cost more than the one-row indexed
read itself on the read every API request makes (its key). A PreparedRead compiles its
statement once per dialect with SQLAlchemy and converts the parameters and the row with
the columns' own type processors, so what goes in and comes back is what a normal execute
would send and return; PreparedRows does the same for report statements that return many
rows and take lists (IN) of numbers. Both run as driver SQL on a connection from the
reads engine's pool (db.engines.reads_engine), so SQLAlchemy's events, error wrapping and
disconnect handling all apply; on PostgreSQL psycopg prepares them on the server
(`prepare_threshold`), so a repeated read is parsed and planned once per connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, exc
from sqlalchemy.engine import Dialect, Engine

from ringtonic.db.engines import reads_engine


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None
    binds: dict[str, Callable]  # parameter name -> the column type's bind processor
    conversions: tuple[tuple[int, Callable], ...]


class PreparedRead:
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
            tuple([params[name] for name in compiled.positional])
            if compiled.positional is not None
            else params
        )
        rows = _read(engine, compiled.sql, arguments)
        return _converted(rows[0], compiled.conversions) if rows else None


class PreparedRows:
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
                    raise TypeError(f"PreparedRows passes {name!r} as is; its type converts it")
            conversions = _conversions(self.statement, dialect)
            compiled = self.compiled[dialect.name, dialect.paramstyle] = (text, conversions)
        return compiled

    def all(self, engine: Engine, params: dict) -> list[tuple]:
        """Run the read outside any transaction; return its rows."""
        engine = reads_engine(engine)
        text, conversions = self._compile(engine.dialect)
        expanded = text.construct_expanded_state(params)
        if expanded.positiontup is not None:
            arguments = tuple([expanded.parameters[name] for name in expanded.positiontup])
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
    try:
        return _run(engine, sql, arguments)
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        # SQLAlchemy has already started the pool afresh (the other pooled connections
        # were lost with this one); a read is safe to repeat.
        return _run(engine, sql, arguments)


def _run(engine: Engine, sql: str, arguments) -> list:
    """Run `sql` as it is on a pooled connection, through SQLAlchemy's events and errors."""
    with engine.connect() as connection:
        return connection.exec_driver_sql(sql, arguments).fetchall()
