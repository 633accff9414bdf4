"""Direct reads on PostgreSQL straight through libpq, on connections each process holds.

Every API request reads its key. On a server whose cores are all busy, that read cost a
worker about 330 µs of CPU through SQLAlchemy's pool and a psycopg cursor, against
160 µs for the round trip alone made through libpq: the rest was the pool's checkout
and checkin and the cursor's per-execution machinery. Here a process keeps its
connections in a stack of its own (one per thread serving requests at once), prepares
each statement on its first run and executes it with libpq's own call. Values go out
and come back through psycopg's adapters (dump_sequence, load_rows), the very ones its
cursors use, so what is sent and returned is what a cursor would send and return.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence

import psycopg
from psycopg import errors, pq
from psycopg.adapt import PyFormat, Transformer
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

# Idle connections a process keeps; more are closed when given back. A sync worker
# serves one request at a time and needs one.
KEEP_IDLE = 5
# Distinct statements a connection keeps prepared before it forgets them all; report
# statements vary with the length of their lists, the rest are a handful.
MAX_PREPARED = 256
_RESULT_OK = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)


class _Held:
    """One connection with its adapters and the statements prepared on it."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection
        self.transformer = Transformer(connection)
        self.prepared: dict[tuple[str, tuple[int, ...]], bytes] = {}

    def rows(self, sql: str, arguments: Sequence) -> list[tuple]:
        """Run the statement (prepared on its first run here) and return its rows."""
        transformer, pgconn = self.transformer, self.connection.pgconn
        params = transformer.dump_sequence(arguments, [PyFormat.AUTO] * len(arguments))
        types = tuple(transformer.types or ())
        name = self.prepared.get((sql, types))
        if name is None:
            if len(self.prepared) >= MAX_PREPARED:
                self._check(pgconn.exec_(b"DEALLOCATE ALL"))
                self.prepared.clear()
            name = b"ringtonic_%d" % len(self.prepared)
            self._check(pgconn.prepare(name, sql.encode(), param_types=types))
            self.prepared[sql, types] = name
        result = self._check(pgconn.exec_prepared(name, params, param_formats=transformer.formats))
        transformer.set_pgresult(result)
        return transformer.load_rows(0, result.ntuples, tuple)

    def _check(self, result: pq.abc.PGresult) -> pq.abc.PGresult:
        if result.status not in _RESULT_OK:
            raise errors.error_from_result(result, encoding=self.connection.info.encoding)
        return result

    def close(self) -> None:
        self.connection.close()


class HeldConnections:
    """The connections this process holds for direct reads, made by a reads engine."""

    def __init__(self, engine: Engine) -> None:
        # Weakly: the engine's listener below refers to this object.
        self._engine = weakref.ref(engine)
        self._dialect = engine.dialect
        self._idle: list[_Held] = []
        self._pid = os.getpid()
        event.listen(engine, "engine_disposed", lambda _engine: self.close_idle())

    def rows(self, sql: str, arguments: Sequence) -> list[tuple]:
        """Run a read and return its rows; after a lost connection, once more on a new one."""
        try:
            return self._rows(sql, arguments)
        except exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The server ended the connection (a restart), and the idle ones with it.
            # A read is safe to repeat.
            self.close_idle()
            return self._rows(sql, arguments)

    def idle_count(self) -> int:
        """Return how many connections wait for a read in this process."""
        return len(self._idle) if self._pid == os.getpid() else 0

    def close_idle(self) -> None:
        """Close the idle connections (the engine was disposed, or the server restarted)."""
        while self._idle:
            self._idle.pop().close()

    def _rows(self, sql: str, arguments: Sequence) -> list[tuple]:
        try:
            held = self._take()
        except psycopg.Error as error:
            # No connection to be had (the server is down): one error type for callers.
            raise exc.DBAPIError.instance(sql, arguments, error, psycopg.Error) from error
        try:
            rows = held.rows(sql, arguments)
        except psycopg.Error as error:
            # Never keep a connection in an unknown state; say, as SQLAlchemy does,
            # whether it was lost, and wrap the error as SQLAlchemy wraps it, so callers
            # (the 503 handler) see one error type.
            lost = self._dialect.is_disconnect(error, held.connection, None)
            held.close()
            raise exc.DBAPIError.instance(
                sql, arguments, error, psycopg.Error, connection_invalidated=lost
            ) from error
        except BaseException:
            held.close()
            raise
        if len(self._idle) < KEEP_IDLE:
            self._idle.append(held)
        else:
            held.close()
        return rows

    def _take(self) -> _Held:
        if self._pid != os.getpid():
            # Forked: the parent's connections are its own. Dropped, not closed: psycopg
            # ends a connection only in the process that opened it.
            self._idle, self._pid = [], os.getpid()
        try:
            return self._idle.pop()  # atomic: threads never share a connection
        except IndexError:
            pass
        # Made by the reads engine, so with its settings (autocommit, read-only, generic
        # plans) and its connect events, then taken out of its pool for good.
        pooled = self._engine().raw_connection()
        connection = pooled.dbapi_connection
        pooled.detach()
        return _Held(connection)


_HELD: weakref.WeakKeyDictionary[Engine, HeldConnections] = weakref.WeakKeyDictionary()


def held_connections(engine: Engine) -> HeldConnections:
    """Return the connections this process holds for reads made by `engine` (a reads engine)."""
    held = _HELD.get(engine)
    if held is None:
        held = _HELD[engine] = HeldConnections(engine)
    return held
