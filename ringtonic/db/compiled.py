"""Statements compiled once for a dialect and run as the driver's own SQL text.

SQLAlchemy looks a Core statement up in its compiled cache on every run, and building the
cache key walks the whole statement: for the quota's upsert (a SELECT per window, CASE
expressions, RETURNING a subquery) that walk and the parameter processing cost more
than the round trip to a local PostgreSQL. A CompiledStatement pays them once; each run
is Connection.exec_driver_sql, so SQLAlchemy's events, error wrapping and disconnect
handling still apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class CompiledStatement:
    """A Core statement compiled once; its literal values are bound once too."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"{type(statement).__name__} does not compile to SQL")
        if compiled.positional:
            raise ValueError(f"{dialect.name} takes positional parameters; use Core execute")
        fixed: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                # Its values would need converting before the driver sees them.
                raise ValueError(f"parameter {name!r} needs a bind processor; use Core")
            if not bind.required:
                fixed[name] = bind.effective_value
        self.sql = compiled.string
        self.fixed = fixed

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> CursorResult[Any]:
        """Run the statement with `params` (every required parameter) on `connection`."""
        return connection.exec_driver_sql(self.sql, {**self.fixed, **params})
