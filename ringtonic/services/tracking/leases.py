"""Number pools: a pool number is leased to one visit at a time, and a call finds its visit.

Each pool number has one `number_leases` row saying which visit holds it and from when
it is free again (the holder's last heartbeat + the lease time + a cooldown). Changes to
a workspace's leases go one at a time (SQLite lets one writer in; on PostgreSQL an
advisory lock per workspace), and a number changes hands in one UPDATE that chooses and
takes it, so two visits (threads, workers or hosts) can never both win it. A heartbeat
moves a lease on only while its visit still holds the row. Free numbers go least
recently used first. When none is free, the visit takes over the lease that ends first
(counted as a takeover): a visitor always gets a number.

A call to a pool number belongs to the visit that held it at the call's start: the
latest visit leased the number at or before then, whose lease (plus the cooldown, in
which nobody else can hold the number) had not run out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, any_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import ReturningUpdate
from sqlalchemy.sql.elements import ColumnElement

from ringtonic.db.compiled import run_compiled
from ringtonic.extensions import db
from ringtonic.models.website import NumberLease, VisitorSession
from ringtonic.services.tracking.config import TrackerConfig


@dataclass(frozen=True)
class Lease:
    """A pool number leased to a visit, and whether it was taken from another visit."""

    phone_number_id: int
    number_until: datetime
    took_over: bool


# Advisory-lock namespace for changing a workspace's leases ("LEAS").
_ROWS_LOCK = 0x4C454153
# Pools whose numbers this process saw given their lease rows (a pool that changes is new).
_ROWS_ENSURED: set[tuple[int, tuple[int, ...]]] = set()


def _ensure_rows(connection: Connection, workspace_id: int, number_ids: Sequence[int]) -> None:
    """Give every pool number its lease row (free) if it has none yet."""
    rows = [{"phone_number_id": n, "workspace_id": workspace_id} for n in number_ids]
    if not rows:
        return
    dialect = connection.dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    connection.execute(
        dialect_insert(_LEASES)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["phone_number_id"])
    )


_LOCK = select(func.pg_advisory_xact_lock(_ROWS_LOCK, bindparam("workspace_id")))
_LEASES = NumberLease.__table__
_VISITS = VisitorSession.__table__
_MOMENT = _LEASES.c.free_at.type


def _is_free(now: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(_LEASES.c.session_id.is_(None), _LEASES.c.free_at <= now)


def _take(in_pool: ColumnElement[bool]) -> ReturningUpdate[int]:
    """Return the statement that chooses a pool number and takes it (see _TAKES)."""
    return (
        update(_LEASES)
        .where(
            _LEASES.c.phone_number_id
            == select(_LEASES.c.phone_number_id)
            .where(
                in_pool,
                or_(_LEASES.c.session_id.is_(None), _LEASES.c.session_id != bindparam("taker")),
            )
            .order_by(
                case((_is_free(bindparam("now", type_=_MOMENT)), 0), else_=1),
                _LEASES.c.free_at.is_not(None),
                _LEASES.c.free_at,
                _LEASES.c.phone_number_id,
            )
            .limit(1)
            .scalar_subquery()
        )
        .values(
            session_id=bindparam("taker"),
            leased_at=bindparam("now", type_=_MOMENT),
            free_at=bindparam("taken_until", type_=_MOMENT),
        )
        .returning(_LEASES.c.phone_number_id)
    )


# Built once: every visit start runs it. Choosing the number and taking it is one
# statement: a free number if any (never leased first, then the one free the longest),
# else the lease that ends first (a takeover). Changes to a workspace's leases go one at a
# time (SQLite's write lock; on PostgreSQL the advisory lock in lease_number), so the
# choice is still true when the row changes hands; a heartbeat that moves the chosen
# lease on meanwhile only makes it a takeover, which the holder's next heartbeat sees.
# The pool is one parameter (a JSON array on SQLite, an array on PostgreSQL), not one per
# number: the statement's text is then the same every time, with nothing to expand.
_POOL_ROWS = func.json_each(bindparam("pool")).table_valued("value")
_TAKES = {
    "sqlite": _take(_LEASES.c.phone_number_id.in_(select(_POOL_ROWS.c.value))),
    "postgresql": _take(
        _LEASES.c.phone_number_id == any_(bindparam("pool", type_=postgresql.ARRAY(Integer)))
    ),
}
_NOW = bindparam("now", type_=_VISITS.c.number_until.type)
# Built once: after a takeover, the visit that held the number (lease or cooldown not yet
# over) has its lease end now, so later calls belong to the new visit. Its row counts
# whether the number was taken from a visit (the pool page's "pool too small").
_END_HOLDERS = (
    update(_VISITS)
    .where(
        _VISITS.c.id != bindparam("taker"),
        _VISITS.c.number_until > bindparam("held_since", type_=_VISITS.c.number_until.type),
    )
    # A holder already past its lease (in the cooldown) keeps its end: moving it to now would
    # make it overlap the new visit's lease.
    .values(
        number_until=case(
            (_VISITS.c.number_until > _NOW, _NOW),
            else_=_VISITS.c.number_until,
        )
    )
)


# Built once: the visit's number, from when and until when (None: a source number's, or
# no number at all); a takeover is remembered.
_STORE_NUMBER = (
    update(_VISITS)
    .where(_VISITS.c.id == bindparam("visit_id"))
    .values(
        phone_number_id=bindparam("number_id"),
        number_leased_at=bindparam("leased_at", type_=_VISITS.c.number_leased_at.type),
        number_until=bindparam("until", type_=_VISITS.c.number_until.type),
        took_over=or_(_VISITS.c.took_over, bindparam("took_over", type_=_VISITS.c.took_over.type)),
    )
)


def store_number(
    connection: Connection,
    visit_id: int,
    number_id: int | None,
    now: datetime,
    until: datetime | None,
    took: bool,
) -> None:
    """Record the number a visit shows (a source number's or none: no lease end)."""
    run_compiled(
        connection,
        _STORE_NUMBER,
        {
            "visit_id": visit_id,
            "number_id": number_id,
            "leased_at": now,
            "until": until,
            "took_over": took,
        },
    )


def _one_statement_lease() -> Select[int, bool]:
    """PostgreSQL: take the number, end its holder's lease, store the visit's number, at once.

    One round trip where SQLite runs three statements: data-modifying CTEs, each on rows
    the others do not touch (the taker's visit row, the other visits' rows, the lease row).
    They all see the statement's snapshot, taken after the advisory lock was granted (an
    earlier statement of the transaction), so the choice is as true as the take's alone.
    """
    taken = _TAKES["postgresql"].cte("taken")
    number = select(taken.c.phone_number_id).scalar_subquery()
    ended = (
        _END_HOLDERS.where(_VISITS.c.phone_number_id == number).returning(_VISITS.c.id).cte("ended")
    )
    took = select(ended.c.id).exists()
    stored = (
        update(_VISITS)
        .where(_VISITS.c.id == bindparam("taker"), select(taken.c.phone_number_id).exists())
        .values(
            phone_number_id=number,
            number_leased_at=bindparam("now", type_=_MOMENT),
            number_until=bindparam("until", type_=_MOMENT),
            took_over=or_(_VISITS.c.took_over, took),
        )
        .returning(_VISITS.c.id)
        .cte("stored")
    )
    # `stored` is named so that it is part of the statement (PostgreSQL runs every
    # data-modifying CTE to completion, read or not).
    return select(taken.c.phone_number_id, took).where(select(stored.c.id).exists())


_END_HOLDER_OF_NUMBER = _END_HOLDERS.where(_VISITS.c.phone_number_id == bindparam("number_id"))
_LEASE_AT_ONCE = _one_statement_lease()


def _lease(
    connection: Connection,
    config: TrackerConfig,
    number_ids: list[int],
    session_id: int,
    now: datetime,
    one: bool,
) -> Lease | None:
    until, free_at = now + config.lease, now + config.lease + config.cooldown
    params = {
        "pool": number_ids if one else json.dumps(number_ids),
        "now": now,
        "taker": session_id,
        "taken_until": free_at,
        "held_since": now - config.cooldown,
    }
    if one:
        row = connection.execute(_LEASE_AT_ONCE, {**params, "until": until}).first()
        return None if row is None else Lease(row[0], until, took_over=bool(row[1]))
    number_id = run_compiled(connection, _TAKES["sqlite"], params).scalar()
    if number_id is None:
        return None
    ended = run_compiled(connection, _END_HOLDER_OF_NUMBER, {**params, "number_id": number_id})
    took = ended.rowcount > 0
    store_number(connection, session_id, number_id, now, until, took)
    return Lease(number_id, until, took_over=took)


# Built once: a new visit's row and, on PostgreSQL, the workspace's lease lock in one
# round trip (the lock is held to the end of the transaction, as lease_number's own).
INSERT_VISIT = insert(_VISITS).returning(_VISITS.c.id)
INSERT_VISIT_LOCKED = insert(_VISITS).returning(
    _VISITS.c.id, func.pg_advisory_xact_lock(_ROWS_LOCK, bindparam("lease_workspace"))
)


def lock_pool(connection: Connection, config: TrackerConfig) -> bool:
    """Take the workspace's lease lock (PostgreSQL, a pool to lease from); True if taken.

    Taken before a visit's own row is locked: a start holds this lock while it ends the
    lease of the number's past holders (their rows), so a heartbeat that locked its row
    first and then waited for this lock would deadlock with it.
    """
    if not config.pool_ids or connection.dialect.name != "postgresql":
        return False
    connection.execute(_LOCK, {"workspace_id": config.workspace_id})
    return True


def lease_number(
    connection: Connection, config: TrackerConfig, session_id: int, now: datetime, locked: bool
) -> Lease | None:
    """Lease a pool number to the visit and store it; None when the pool has no numbers.

    `locked`: the transaction already holds the workspace's lease lock (INSERT_VISIT_LOCKED).
    """
    number_ids = config.pool_ids
    if not number_ids:
        return None
    postgresql_ = connection.dialect.name == "postgresql"
    if postgresql_ and not locked:
        # One visit at a time changes a workspace's leases: concurrent takeovers each wait
        # on rows the others hold, which PostgreSQL resolves by aborting one (a deadlock).
        # SQLite already lets one writer in at a time.
        connection.execute(_LOCK, {"workspace_id": config.workspace_id})
    pool_key = (config.workspace_id, tuple(number_ids))
    if pool_key not in _ROWS_ENSURED:
        # New numbers in the pool have no row yet; once per pool and process is enough.
        _ensure_rows(connection, config.workspace_id, number_ids)
        _ROWS_ENSURED.add(pool_key)
    lease = _lease(connection, config, number_ids, session_id, now, postgresql_)
    if lease is None:
        # No row at all: they were removed since this process made them (a restored
        # database, a pool emptied and refilled). Make them again and try once more.
        _ensure_rows(connection, config.workspace_id, number_ids)
        lease = _lease(connection, config, number_ids, session_id, now, postgresql_)
    return lease


# Built once (and compiled once, run_compiled): every heartbeat that writes runs it.
_EXTEND = (
    update(NumberLease.__table__)
    .where(
        NumberLease.__table__.c.phone_number_id == bindparam("number_id"),
        NumberLease.__table__.c.session_id == bindparam("holder_id"),
    )
    .values(free_at=bindparam("new_free_at", type_=NumberLease.__table__.c.free_at.type))
)


def extend_lease(
    connection: Connection,
    config: TrackerConfig,
    session_id: int,
    phone_number_id: int,
    now: datetime,
) -> datetime | None:
    """Move the visit's lease on from now; None when the visit no longer holds its number."""
    kept = run_compiled(
        connection,
        _EXTEND,
        {
            "number_id": phone_number_id,
            "holder_id": session_id,
            "new_free_at": now + config.lease + config.cooldown,
        },
    )
    return now + config.lease if kept.rowcount == 1 else None


def visit_for_call(
    phone_number_id: int, at: datetime, cooldown: timedelta
) -> VisitorSession | None:
    """Return the visit that held the pool number when a call to it started, if any."""
    visit = db.session.scalar(
        select(VisitorSession)
        .where(
            VisitorSession.phone_number_id == phone_number_id,
            VisitorSession.number_leased_at <= at,
        )
        .order_by(VisitorSession.number_leased_at.desc(), VisitorSession.id.desc())
        .limit(1)
    )
    if visit is None or visit.number_until is None:
        return None
    return visit if at <= visit.number_until + cooldown else None


@dataclass(frozen=True)
class PoolUse:
    """How busy a pool is: its size, numbers leased now, the 7-day peak and takeovers."""

    size: int
    in_use: int
    peak: int
    takeovers: int

    @property
    def too_small(self) -> bool:
        """Whether the 7-day peak passed 75 % of the pool (or a visit had to take one over)."""
        return self.size > 0 and (self.peak > 0.75 * self.size or self.takeovers > 0)


PEAK_WINDOW = timedelta(days=7)


def pool_use(config: TrackerConfig, now: datetime) -> PoolUse:
    """Return the pool's size, leases live now, peak concurrent leases in 7 days, takeovers."""
    number_ids = config.pool_ids
    if not number_ids:
        return PoolUse(0, 0, 0, 0)
    since = now - PEAK_WINDOW
    # Both ends are set: the query asks for spans that reach into the window.
    spans: Sequence[tuple[datetime, datetime, bool]] = db.session.execute(  # type: ignore[assignment]
        select(
            VisitorSession.number_leased_at, VisitorSession.number_until, VisitorSession.took_over
        ).where(
            VisitorSession.phone_number_id.in_(number_ids),
            VisitorSession.number_until >= since,
            VisitorSession.number_leased_at <= now,
        )
    ).all()
    # Sweep the lease spans in time order: +1 at a start, -1 at an end (ends first on ties).
    events = sorted(
        [(max(start, since), 1) for start, _end, _t in spans]
        + [(min(end, now), -1) for _start, end, _t in spans],
        key=lambda e: (e[0], e[1]),
    )
    live = peak = 0
    for _moment, step in events:
        live += step
        peak = max(peak, live)
    in_use = sum(1 for start, end, _t in spans if start <= now < end)
    takeovers = sum(1 for start, _end, took in spans if took and start >= since)
    return PoolUse(len(number_ids), in_use, min(peak, len(number_ids)), takeovers)
