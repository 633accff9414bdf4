"""Engine tuning for SQLite: pragmas, reads outside transactions, writes begun IMMEDIATE."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=15000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)
_READ_ONLY_KEYWORDS = ("SELECT", "PRAGMA", "EXPLAIN")


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    """Turn on WAL, a busy timeout and foreign keys for every new SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Take transaction control away from the sqlite3 module: the hooks below decide.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


@event.listens_for(Engine, "before_cursor_execute")
def _begin_immediate_before_first_write(conn, cursor, statement, parameters, context, many):
    """Start an IMMEDIATE transaction before the first write of a unit of work."""
    if conn.dialect.name != "sqlite":
        return
    dbapi_connection = cursor.connection
    if dbapi_connection.in_transaction:
        return
    if statement.lstrip()[:7].upper().startswith(_READ_ONLY_KEYWORDS):
        return
    # IMMEDIATE takes the write lock up front and waits (busy_timeout) for it; a DEFERRED
    # transaction that reads and then writes fails with SQLITE_BUSY at once when another
    # worker wrote in between, which users would see as "database is locked".
    dbapi_connection.execute("BEGIN IMMEDIATE")
