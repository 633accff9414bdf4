"""Statements compiled once for a dialect and run as the driver's own SQL text.

SQLAlchemy looks a Core statement up in its compiled cache on every run, and building the
cache key walks the whole statement: for the quota's upsert (a SELECT per window, CASE
expressions, RETURNING a subquery) that walk and the parameter processing cost more
than the round trip to a local PostgreSQL, and for each of a visit start's writes on
SQLite about a third of its time under the write lock. A CompiledStatement pays them
once; each run is Connection.exec_driver_sql, so SQLAlchemy's events (SQLite's BEGIN
IMMEDIATE among them), error wrapping and disconnect handling still apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


def _named_style(dialect: Dialect) -> Dialect:
    """Return the dialect itself, or one like it that writes named parameters.

    Drivers with positional placeholders by default (sqlite3's "?") also take named ones
    (":name") with a dict, which lets each run pass its parameters by name.
    """
    if not dialect.positional:
        return dialect
    if not isinstance(dialect, DefaultDialect):
        raise ValueError(f"{dialect.name} takes positional parameters; use Core execute")
    named = type(dialect)(paramstyle="named")
    if named.positional:
        raise ValueError(f"{dialect.name} takes positional parameters; use Core execute")
    return named


class CompiledStatement:
    """A Core statement compiled once; its literal values are bound once too.

    A parameter whose type converts values (a UUID or a date on SQLite) is converted by
    the type's own bind processor on each run. Returned values are the driver's own, not
    converted by their columns' types: use it for statements that return integers, text
    or floats.
    """

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        dialect = _named_style(dialect)
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"{type(statement).__name__} does not compile to SQL")
        fixed: dict[str, Any] = {}
        processors: dict[str, Callable[[Any], Any]] = {}
        required: set[str] = set()
        for bind, name in compiled.bind_names.items():
            if bind.expanding:
                raise ValueError(f"parameter {name!r} is an expanding list; use Core")
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if not bind.required:
                fixed[name] = (
                    bind.effective_value if processor is None else processor(bind.effective_value)
                )
                continue
            required.add(name)
            if processor is not None:
                processors[name] = processor
        self.sql = compiled.string
        self.fixed = fixed
        self.processors = processors
        self.required = frozenset(required)

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> CursorResult[Any]:
        """Run the statement with `params` (every required parameter) on `connection`."""
        if not self.required.issubset(params):
            # As Core says it, before the driver would with a message naming no parameter.
            missing = ", ".join(sorted(self.required.difference(params)))
            raise exc.InvalidRequestError(f"A value is required for bind parameter(s) {missing}")
        values = {**self.fixed, **params}
        for name, processor in self.processors.items():
            if name in values:
                values[name] = processor(values[name])
        return connection.exec_driver_sql(self.sql, values)


# Statements compiled for each dialect they ran on, by the statement's identity.
_compiled: dict[tuple[int, str], tuple[ClauseElement, CompiledStatement]] = {}


def run_compiled(
    connection: Connection, statement: ClauseElement, params: Mapping[str, Any]
) -> CursorResult[Any]:
    """Run a statement built once (a module constant), compiled on its first run per dialect."""
    key = (id(statement), connection.dialect.name)
    entry = _compiled.get(key)
    if entry is None or entry[0] is not statement:
        # Kept with its statement, so an id is never taken for another's.
        entry = _compiled[key] = (statement, CompiledStatement(statement, connection.dialect))
    return entry[1].execute(connection, params)
