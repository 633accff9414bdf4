"""Engine tuning: SQLite pragmas, reads outside transactions, writes begun IMMEDIATE;
pooled connections pinged at checkout only after sitting idle."""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

# A pooled connection unused for this long is pinged before use. Connections are dropped
# by idle timeouts (server, firewall, NAT) and by restarts; one in use moments ago was
# alive then, and pinging it would cost every request a round trip to the server.
IDLE_PING_SECONDS = 10.0

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


def ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection at checkout when it sat idle; replace it if the ping fails.

    Instead of SQLAlchemy's pool_pre_ping, which pings on every checkout. After a database
    restart, a connection used within the last few seconds fails its next statement;
    SQLAlchemy then replaces every pooled connection, and API authentication retries.
    """

    @event.listens_for(engine, "checkin")
    def _note_return(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and checks out a new one.
            raise exc.DisconnectionError(str(error)) from error
