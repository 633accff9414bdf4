"""Counter storages for the `limits` library: the database's, and one process's memory.

Both implement the public `limits.storage.Storage` interface (incr, get, get_expiry,
check, reset, clear), so the rate limits count through one code path whatever holds the
counters. Redis, when configured, is limits' own RedisStorage.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from limits.errors import StorageError
from limits.storage import Storage
from sqlalchemy import bindparam, case, delete, literal, select, true, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import ScalarSelect

from ringtonic.config import DATABASE_STORAGE_SCHEME
from ringtonic.db.compiled import CompiledStatement
from ringtonic.db.engines import autocommit_engine, reads_engine
from ringtonic.models.rate_limit import RateLimitCounter

# A scalar read to run with a count, and its parameters.
Alongside = tuple[ScalarSelect[Any], dict[str, Any]]

# Counters whose window ended are deleted by a later count, at most this often.
SWEEP_SECONDS = 60.0

_counters = RateLimitCounter.__table__


class DatabaseStorage(Storage):
    """Fixed-window counters in the app's database, one row per key, counted by an upsert.

    A count is one statement on a connection of its own, never inside the request's
    transaction: on SQLite it holds the write lock for that statement only (begun
    IMMEDIATE by the engine's hooks), so webhooks wait microseconds, not a request; on
    PostgreSQL it runs on the autocommit engine, one round trip, its text compiled once.
    Reads go through the reads engine.
    """

    STORAGE_SCHEME = [DATABASE_STORAGE_SCHEME]

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, *, engine: Engine
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.engine = engine
        self._reads = reads_engine(engine)
        self._autocommit = autocommit_engine(engine)
        self._upsert = _upsert_statement(engine.dialect.name)
        self._read = select(_counters.c.count, _counters.c.expires_at).where(
            _counters.c.key == bindparam("key"), _counters.c.expires_at > bindparam("now")
        )
        self._sweep = delete(_counters).where(_counters.c.expires_at <= bindparam("now"))
        self._next_sweep = 0.0
        # When each window seen here ends: until then no worker can start it again, so
        # get_expiry after a count needs no second query.
        self._window_ends: dict[str, float] = {}
        self._count_all_statements: dict[
            tuple[int, ScalarSelect[Any] | None], CompiledStatement
        ] = {}
        self._uncount = (
            update(_counters)
            .where(_counters.c.key.in_(bindparam("keys", expanding=True)))
            .values(count=_counters.c.count - 1)
        )

    @property
    def base_exceptions(self) -> type[Exception]:
        """Database errors: the caller counts elsewhere while the database fails."""
        return SQLAlchemyError

    def _writing(self, within: Connection | None = None) -> AbstractContextManager[Connection]:
        if self.engine.dialect.name == "sqlite":
            # Joining the caller's transaction spares SQLite a second turn of its write
            # lock; the caller commits the count with its own writes.
            return nullcontext(within) if within is not None else self.engine.begin()
        return self._autocommit.connect()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count `amount` against `key`, starting a window of `expiry` seconds if none runs."""
        now = time.time()
        values = {"key": key, "amount": amount, "now": now, "ends": now + expiry}
        with self._writing() as conn:
            count, ends = conn.execute(self._upsert, values).one()
            if now >= self._next_sweep:
                self._next_sweep = now + SWEEP_SECONDS
                conn.execute(self._sweep, {"now": now})
                self._window_ends.clear()
        self._window_ends[key] = ends
        return count

    def charge_windows(
        self,
        windows: list[tuple[str, int, int]],
        alongside: Alongside | None = None,
        within: Connection | None = None,
    ) -> tuple[list[tuple[int, float, bool]], Any]:
        """Count one attempt in each (key, expiry, limit) window, in order, in one transaction.

        Once a window refuses, the later (larger) ones are read, not counted. Returns
        (count, window end, counted) per window, and the value of the `alongside` scalar
        read (a statement and its parameters), which the first count returns with its
        own row: a read that needs no statement of its own. One connection and one
        commit for the whole attempt: on SQLite one turn of the write lock instead of
        one per window. `within`: on SQLite, a connection whose transaction the count joins
        (its caller commits it); PostgreSQL counts on its autocommit engine all the same,
        one round trip that holds no row lock past its statement.
        """
        try:
            return self._charge_windows(windows, alongside, within)
        except SQLAlchemyError as error:
            # As limits does for its own methods: the caller then counts elsewhere.
            if self.wrap_exceptions:
                raise StorageError(error) from error
            raise

    def _charge_windows(
        self,
        windows: list[tuple[str, int, int]],
        alongside: Alongside | None,
        within: Connection | None,
    ) -> tuple[list[tuple[int, float, bool]], Any]:
        now = time.time()
        params: dict[str, Any] = {"now": now, **(alongside[1] if alongside else {})}
        for index, (key, expiry, _limit) in enumerate(windows):
            params[f"key_{index}"] = key
            params[f"ends_{index}"] = now + expiry
        statement = self._count_all(len(windows), alongside[0] if alongside else None)
        results: list[tuple[int, float, bool]] = []
        with self._writing(within) as conn:
            result = statement.execute(conn, params)
            rows: dict[str, Sequence[Any]] = {row[0]: row[1:] for row in result}
            refused_after: list[str] = []
            for key, _expiry, limit in windows:
                count, ends = rows[key][0], rows[key][1]
                if refused_after:
                    # Refused by a smaller window: this one is not counted after all.
                    refused_after.append(key)
                    results.append((count - 1, ends, False))
                    continue
                self._window_ends[key] = ends
                results.append((count, ends, True))
                if count > limit:
                    refused_after.append(key)
            if len(refused_after) > 1:
                # In the same transaction: on SQLite under the write lock, so no other
                # worker ever sees the count; on PostgreSQL only while this key is refused.
                conn.execute(self._uncount, {"keys": refused_after[1:]})
            if now >= self._next_sweep:
                self._next_sweep = now + SWEEP_SECONDS
                conn.execute(self._sweep, {"now": now})
                self._window_ends.clear()
        read_alongside = next(iter(rows.values()))[2] if alongside else None
        return results, read_alongside

    def _count_all(self, windows: int, alongside: ScalarSelect[Any] | None) -> CompiledStatement:
        """Return, built once per shape, the one statement that counts every window.

        Compiled to text once as well (CompiledStatement): on PostgreSQL the request's one
        round trip then costs little more in Python than the round trip itself, and on
        SQLite the count holds the write lock for less.
        """
        statement = self._count_all_statements.get((windows, alongside))
        if statement is None:
            dialect = self.engine.dialect
            built = _count_all_statement(dialect.name, windows, alongside)
            statement = CompiledStatement(built, dialect)
            self._count_all_statements[(windows, alongside)] = statement
        return statement

    def _current(self, key: str) -> tuple[int, float] | None:
        now = time.time()
        with self._reads.connect() as conn:
            row = conn.execute(self._read, {"key": key, "now": now}).first()
        return None if row is None else (row[0], row[1])

    def get(self, key: str) -> int:
        """Return the count of `key` in its current window (0 when none runs)."""
        current = self._current(key)
        return 0 if current is None else current[0]

    def get_expiry(self, key: str) -> float:
        """Return the Unix time `key`'s window ends (now when none runs)."""
        now = time.time()
        ends = self._window_ends.get(key, 0.0)
        if ends > now:
            return ends
        current = self._current(key)
        return now if current is None else current[1]

    def check(self) -> bool:
        """Return whether the database answers."""
        try:
            with self._reads.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int:
        """Delete every counter; return how many there were."""
        self._window_ends.clear()
        with self.engine.begin() as conn:
            return conn.execute(delete(_counters)).rowcount

    def clear(self, key: str) -> None:
        """Delete the counter of `key`."""
        self._window_ends.pop(key, None)
        with self.engine.begin() as conn:
            conn.execute(delete(_counters).where(_counters.c.key == key))


def _count_all_statement(
    dialect_name: str, windows: int, alongside: ScalarSelect[Any] | None
) -> ReturningInsert[Any]:
    """Return the statement counting one attempt in `windows` windows, and `alongside`.

    One upsert from a SELECT of bound parameters per window, which SQLAlchemy compiles
    once (a multi-row VALUES would be compiled again on every request).
    """
    rows = [
        select(
            bindparam(f"key_{n}", type_=_counters.c.key.type),
            literal(1, _counters.c.count.type),
            bindparam(f"ends_{n}", type_=_counters.c.expires_at.type),
        ).where(true())  # SQLite needs a WHERE before ON CONFLICT to parse the upsert
        for n in range(windows)
    ]
    fresh = (
        sqlite.insert(_counters) if dialect_name == "sqlite" else postgresql.insert(_counters)
    ).from_select(["key", "count", "expires_at"], union_all(*rows) if windows > 1 else rows[0])
    ended = _counters.c.expires_at <= bindparam("now")
    upsert = fresh.on_conflict_do_update(
        index_elements=[_counters.c.key],
        set_={
            "count": case((ended, 1), else_=_counters.c.count + 1),
            "expires_at": case((ended, fresh.excluded.expires_at), else_=_counters.c.expires_at),
        },
    )
    returned: list[Any] = [_counters.c.key, _counters.c.count, _counters.c.expires_at]
    if alongside is not None:
        returned.append(alongside)
    return upsert.returning(*returned)


def _upsert_statement(dialect_name: str) -> ReturningInsert[Any]:
    """Return the one statement that counts: insert the key, or add to its window."""
    values: dict[str, BindParameter[Any]] = {
        "key": bindparam("key"),
        "count": bindparam("amount"),
        "expires_at": bindparam("ends"),
    }
    fresh = (
        sqlite.insert(_counters) if dialect_name == "sqlite" else postgresql.insert(_counters)
    ).values(values)
    ended = _counters.c.expires_at <= bindparam("now")
    upsert = fresh.on_conflict_do_update(
        index_elements=[_counters.c.key],
        set_={
            # A window that ended starts again at `amount`; atomic either way.
            "count": case(
                (ended, bindparam("amount")), else_=_counters.c.count + bindparam("amount")
            ),
            "expires_at": case((ended, bindparam("ends")), else_=_counters.c.expires_at),
        },
    )
    return upsert.returning(_counters.c.count, _counters.c.expires_at)


class LocalStorage(Storage):
    """Fixed-window counters in this process: for tests, and while shared storage fails.

    Unlike limits' MemoryStorage it starts no timer thread: a counter read after its window
    ended counts as gone, and the counting request sweeps ended ones at most once a minute.
    """

    STORAGE_SCHEME = ["ringtonic+local"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._counters: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        """Nothing here fails for reasons outside the process."""
        return ()

    def __len__(self) -> int:
        """Return how many counters are held, ended or not (until swept)."""
        return len(self._counters)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count `amount` against `key`, starting a window of `expiry` seconds if none runs."""
        now = time.time()
        with self._lock:
            self._sweep(now)
            count, expires_at = self._counters.get(key, (0, 0.0))
            if expires_at <= now:
                count, expires_at = 0, now + expiry
            count += amount
            self._counters[key] = (count, expires_at)
        return count

    def get(self, key: str) -> int:
        """Return the count of `key` in its current window (0 when none runs)."""
        count, expires_at = self._counters.get(key, (0, 0.0))
        return count if expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        """Return the Unix time `key`'s window ends (now when none runs)."""
        now = time.time()
        _count, expires_at = self._counters.get(key, (0, 0.0))
        return expires_at if expires_at > now else now

    def check(self) -> bool:
        """Return True: memory always answers."""
        return True

    def reset(self) -> int:
        """Forget every counter; return how many there were."""
        with self._lock:
            held = len(self._counters)
            self._counters.clear()
        return held

    def clear(self, key: str) -> None:
        """Forget the counter of `key`."""
        with self._lock:
            self._counters.pop(key, None)

    def _sweep(self, now: float) -> None:
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        for key in [k for k, (_c, expires_at) in self._counters.items() if expires_at <= now]:
            del self._counters[key]
