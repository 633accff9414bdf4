"""One-row reads on the hottest path, run on a pooled DBAPI cursor.

SQLAlchemy's per-execution machinery (connection wrapper, execution context, result
object) costs three to four times what a one-row indexed read costs the database; on
the read every API request makes, that was most of what authentication cost. A
DirectRead compiles its statement once per dialect with SQLAlchemy and converts the
parameters and the row with the columns' own SQLAlchemy type processors, so what goes
in and comes back is what a normal execute would send and return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, exc
from sqlalchemy.engine import Dialect, Engine


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
        self.compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.compiled.get(dialect.name)
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
                processors=tuple(
                    column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in statement.selected_columns
                ),
            )
            self.compiled[dialect.name] = compiled
        return compiled

    def one_or_none(self, engine: Engine, **params) -> tuple | None:
        """Run the read on a pooled connection; return the converted row or None."""
        compiled = self._compile(engine.dialect)
        for name, process in compiled.binds.items():
            params[name] = process(params[name])
        arguments = (
            [params[name] for name in compiled.positional] if compiled.positional else params
        )
        try:
            row = _fetch_one(engine, compiled.sql, arguments)
        except exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The connection was lost (a server restart), and the other pooled ones with it:
            # start the pool afresh, as SQLAlchemy does when a statement of its own finds a
            # lost connection, and repeat the read, which is safe.
            engine.dispose()
            row = _fetch_one(engine, compiled.sql, arguments)
        if row is None:
            return None
        return tuple(
            value if convert is None else convert(value)
            for convert, value in zip(compiled.processors, row, strict=True)
        )


def _fetch_one(engine: Engine, sql: str, arguments) -> tuple | None:
    """Run `sql` on a pooled DBAPI connection and return its first row (unconverted)."""
    postgresql = engine.dialect.name == "postgresql"
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except dbapi_error as error:
        # Wrapped as SQLAlchemy wraps it, so callers (the 503 handler) see one error type.
        raise exc.DBAPIError.instance(sql, arguments, error, dbapi_error) from error
    cursor = None
    try:
        if postgresql:
            # One read needs no transaction: no BEGIN and ROLLBACK round trips.
            connection.driver_connection.autocommit = True
        cursor = connection.cursor()
        try:
            cursor.execute(sql, arguments)
            row = cursor.fetchone()
        finally:
            cursor.close()
        if postgresql:
            connection.driver_connection.autocommit = False
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
    return row
