"""Engine tuning: SQLite pragmas, reads outside transactions, writes begun IMMEDIATE
(queued in each process and across processes, db.sqlite_writers);
pooled connections pinged at checkout only after sitting idle; on PostgreSQL a pool of
its own for reads outside transactions. Listeners go on the app's own engines only."""

from __future__ import annotations

import time
import weakref

import psycopg
from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine

from ringtonic.db.sqlite_writers import QueuedWriterConnection, turn_for

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


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    """Turn on WAL, a busy timeout and foreign keys for every new SQLite connection."""
    # Take transaction control away from the sqlite3 module: the hooks below decide.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _begin_immediate_before_first_write(conn, cursor, statement, parameters, context, many):
    """Start an IMMEDIATE transaction before the first write of a unit of work."""
    dbapi_connection = cursor.connection
    if dbapi_connection.in_transaction:
        return
    if statement.lstrip()[:7].upper().startswith(_READ_ONLY_KEYWORDS):
        return
    # IMMEDIATE takes the write lock up front and waits (busy_timeout) for it; a DEFERRED
    # transaction that reads and then writes fails with SQLITE_BUSY at once when another
    # worker wrote in between, which users would see as "database is locked".
    if isinstance(dbapi_connection, QueuedWriterConnection):
        dbapi_connection.begin_immediate()
    else:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def _queue_sqlite_writers(engine: Engine) -> None:
    """Make the engine's connections wait for their turn to write (db.sqlite_writers)."""
    if _in_memory(engine):
        return
    database = engine.url.database or ""

    @event.listens_for(engine, "do_connect")
    def _writer_factory(_dialect, _record, _cargs, cparams) -> None:
        cparams.setdefault("factory", QueuedWriterConnection)

    @event.listens_for(engine, "connect")
    def _give_turn(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, QueuedWriterConnection):
            # Looked up per connection: a forked child has turns of its own.
            dbapi_connection.turn = turn_for(database)


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


# Set on each new reads connection: session settings, so the startup parameter `options`
# (which connection poolers refuse) is not needed.
_READ_SESSION_SETTINGS = (
    # These connections never write; the server refuses it if a bug tried.
    "SET default_transaction_read_only = on",
    # psycopg prepares their statements (prepare_threshold), and they have one good plan
    # whatever the values: index scans on primary keys and unique indexes. PostgreSQL's
    # default planned every run of the report queries afresh instead (its estimate of
    # the generic plan came out dearer), 0.3 ms of each 0.8 ms geo-data read.
    "SET plan_cache_mode = force_generic_plan",
)
# Runs of one statement on a connection before psycopg prepares it on the server: the
# reads engine runs the same few compiled statements over and over.
READS_PREPARE_THRESHOLD = 1

_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def install(engine: Engine, *, session_settings: bool = True) -> None:
    """Tune the app's engine and make its reads engine (see reads_engine).

    SQLite: pragmas and IMMEDIATE writes. Everywhere: idle connections pinged. PostgreSQL:
    `session_settings=False` leaves the reads connections' SET statements out, for a
    transaction-pooling connection pooler that would hand those settings to other clients.
    """
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "before_cursor_execute", _begin_immediate_before_first_write)
        _queue_sqlite_writers(engine)
    ping_idle_connections(engine)
    if engine not in _READERS:
        _READERS[engine] = _make_reads_engine(engine, session_settings)


def reads_engine(engine: Engine) -> Engine:
    """Return the engine for single reads outside any transaction.

    A pool of its own beside `engine`'s (made by install), whose connections run in
    autocommit: no BEGIN and ROLLBACK around each read, and no switching a shared
    connection in and out of autocommit. They refuse writes. On PostgreSQL they also have
    generic plans for the statements psycopg prepares, and take statements in $1
    placeholders that psycopg sends without rewriting them. Disposed with `engine`. An
    in-memory SQLite database (one connection's own) is read through `engine` itself.
    """
    reader = _READERS.get(engine)
    if reader is None:
        reader = _READERS[engine] = _make_reads_engine(engine, True)
    return reader


def autocommit_engine(engine: Engine) -> Engine:
    """Return the engine for single writes that commit on their own (PostgreSQL).

    A pool of its own beside `engine`'s, in autocommit, that writes: a statement is one
    round trip, with no BEGIN or COMMIT around it, no switching a shared connection in
    and out of autocommit at checkout and back at return, and no rollback on return
    (nothing is ever left to roll back). Disposed with `engine`. SQLite gets `engine`
    itself: its writes take the write lock in a transaction of their own (engine.begin).
    """
    if engine.dialect.name == "sqlite":
        return engine
    writer = _AUTOCOMMIT.get(engine)
    if writer is None:
        writer = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
        ping_idle_connections(writer)
        event.listen(engine, "engine_disposed", lambda _engine: writer.dispose())
        _AUTOCOMMIT[engine] = writer
    return writer


def _in_memory(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def _make_reads_engine(engine: Engine, session_settings: bool) -> Engine:
    if _in_memory(engine):
        return engine
    if engine.dialect.name == "sqlite":
        reader = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
        event.listen(reader, "connect", _configure_sqlite_reads_connection)
    else:
        reader = _make_postgresql_reads_engine(engine, session_settings)
    event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
    return reader


def _configure_sqlite_reads_connection(dbapi_connection, record) -> None:
    """Tune a SQLite reads connection as the app's own, and make it refuse writes."""
    _configure_sqlite_connection(dbapi_connection, record)
    dbapi_connection.execute("PRAGMA query_only=ON")


def _make_postgresql_reads_engine(engine: Engine, session_settings: bool) -> Engine:
    reader = create_engine(
        engine.url,
        isolation_level="AUTOCOMMIT",
        # Nothing to roll back: every statement commits (or fails) on its own.
        pool_reset_on_return=None,
        # Statements in PostgreSQL's own $1 placeholders, sent as they are (RawCursor).
        # psycopg rewrites %(name)s placeholders on every run of a statement longer than
        # 4 kB (it caches shorter ones), which a geo-data read with its block lists is.
        paramstyle="numeric_dollar",
        connect_args={
            "cursor_factory": psycopg.RawCursor,
            "prepare_threshold": READS_PREPARE_THRESHOLD,
        },
    )
    if session_settings:
        event.listen(reader, "connect", _apply_read_session_settings)
    ping_idle_connections(reader)
    return reader


def _apply_read_session_settings(dbapi_connection, _record) -> None:
    """Make a new reads connection read-only, with generic plans."""
    # In autocommit, so no transaction is left open for SQLAlchemy to find.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        for statement in _READ_SESSION_SETTINGS:
            cursor.execute(statement)
    dbapi_connection.autocommit = autocommit
