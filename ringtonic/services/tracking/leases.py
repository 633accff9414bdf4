"""Number pools: a pool number is leased to one visit at a time, and a call finds its visit.

Each pool number has one `number_leases` row saying which visit holds it and from when
it is free again (the holder's last heartbeat + the lease time + a cooldown). A number
changes hands only through a conditional UPDATE that names the state it was read in, so
two visits (threads, workers or hosts) can never both win it: PostgreSQL re-checks the
condition on the row a concurrent winner committed, SQLite lets one writer in at a time.
Free numbers go least recently used first. When none is free, the visit takes over the
longest-idle lease (counted as a takeover): a visitor always gets a number.

A call to a pool number belongs to the visit that held it at the call's start: the
latest visit leased the number at or before then, whose lease (plus the cooldown, in
which nobody else can hold the number) had not run out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql.elements import ColumnElement

from ringtonic.extensions import db
from ringtonic.models.website import NumberLease, VisitorSession
from ringtonic.services.tracking.config import TrackerConfig

# Rounds of "read the candidates, try to win one" before giving up on free numbers; each
# lost round means other visits took every candidate read, so a few are plenty.
MAX_ROUNDS = 8


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


def _ensure_rows(workspace_id: int, number_ids: Sequence[int]) -> None:
    """Give every pool number its lease row (free) if it has none yet."""
    rows = [{"phone_number_id": n, "workspace_id": workspace_id} for n in number_ids]
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(NumberLease).values(rows).on_conflict_do_nothing(index_elements=["phone_number_id"])
    )


def _try_take(
    number_id: int,
    session_id: int,
    now: datetime,
    free_at: datetime,
    condition: ColumnElement[bool],
) -> bool:
    taken = cast(
        CursorResult,
        db.session.execute(
            update(NumberLease)
            .where(NumberLease.phone_number_id == number_id, condition)
            .values(session_id=session_id, leased_at=now, free_at=free_at)
            .execution_options(synchronize_session=False)
        ),
    )
    return taken.rowcount == 1


_LEASES = NumberLease.__table__
_MOMENT = _LEASES.c.free_at.type


def _free_at(now: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(_LEASES.c.session_id.is_(None), _LEASES.c.free_at <= now)


# Built once: every visit start runs it. Finding the free number to take and taking it is
# one statement; the outer condition re-checks freedom on the row it changes, so a number
# another visit took in between is simply not taken (another round follows).
_TAKE_FREE = (
    update(_LEASES)
    .where(
        _LEASES.c.phone_number_id
        == select(_LEASES.c.phone_number_id)
        .where(
            _LEASES.c.phone_number_id.in_(bindparam("pool", expanding=True)),
            _free_at(bindparam("now", type_=_MOMENT)),
        )
        # Never leased first, then the one free the longest (NULLs sort apart per database).
        .order_by(_LEASES.c.free_at.is_not(None), _LEASES.c.free_at, _LEASES.c.phone_number_id)
        .limit(1)
        .scalar_subquery(),
        _free_at(bindparam("now", type_=_MOMENT)),
    )
    .values(
        session_id=bindparam("taker"),
        leased_at=bindparam("now", type_=_MOMENT),
        free_at=bindparam("taken_until", type_=_MOMENT),
    )
    .returning(_LEASES.c.phone_number_id)
)


def _take_free(
    number_ids: list[int], session_id: int, now: datetime, free_at: datetime
) -> int | None:
    """Lease the pool's least recently used free number to the visit; its id, or None."""
    return db.session.execute(
        _TAKE_FREE,
        {"pool": number_ids, "now": now, "taker": session_id, "taken_until": free_at},
    ).scalar()


def _is_free(now: datetime) -> ColumnElement[bool]:
    return or_(NumberLease.session_id.is_(None), NumberLease.free_at <= now)


def lease_number(config: TrackerConfig, session_id: int, now: datetime) -> Lease | None:
    """Lease a pool number to the visit; None when the pool has no numbers at all."""
    number_ids = config.pool_ids
    if not number_ids:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        # One visit at a time changes a workspace's leases: concurrent takeovers each wait
        # on rows the others hold, which PostgreSQL resolves by aborting one (a deadlock).
        # SQLite already lets one writer in at a time.
        db.session.execute(select(func.pg_advisory_xact_lock(_ROWS_LOCK, config.workspace_id)))
    pool_key = (config.workspace_id, tuple(number_ids))
    if pool_key not in _ROWS_ENSURED:
        # New numbers in the pool have no row yet; once per pool and process is enough.
        _ensure_rows(config.workspace_id, number_ids)
        _ROWS_ENSURED.add(pool_key)
    lease = _lease(config, number_ids, session_id, now)
    if lease is None:
        # No row at all: they were removed since this process made them (a restored
        # database, a pool emptied and refilled). Make them again and try once more.
        _ensure_rows(config.workspace_id, number_ids)
        lease = _lease(config, number_ids, session_id, now)
    return lease


def _lease(
    config: TrackerConfig, number_ids: list[int], session_id: int, now: datetime
) -> Lease | None:
    until, free_at = now + config.lease, now + config.lease + config.cooldown
    number_id = _take_free(number_ids, session_id, now, free_at)
    if number_id is not None:
        return Lease(number_id, until, took_over=False)
    # None free, or the one found was kept alive meanwhile by its holder's heartbeat: the
    # earliest to end goes next, counted as a takeover only if its lease was still live.
    # Exhausted: the longest-idle lease (earliest free_at) changes hands.
    for _ in range(MAX_ROUNDS):
        oldest = db.session.execute(
            select(NumberLease.phone_number_id, NumberLease.session_id, NumberLease.free_at)
            .where(
                NumberLease.phone_number_id.in_(number_ids), NumberLease.session_id != session_id
            )
            .order_by(NumberLease.free_at, NumberLease.phone_number_id)
            .limit(1)
        ).first()
        if oldest is None:
            break
        number_id, holder_id, held_free_at = oldest
        unchanged = and_(NumberLease.session_id == holder_id, NumberLease.free_at == held_free_at)
        if _try_take(number_id, session_id, now, free_at, unchanged):
            if held_free_at is not None and held_free_at <= now:
                return Lease(number_id, until, took_over=False)
            # The previous holder's lease ends now: later calls belong to the new visit.
            db.session.execute(
                update(VisitorSession.__table__)
                .where(VisitorSession.__table__.c.id == holder_id)
                .values(number_until=now)
            )
            return Lease(number_id, until, took_over=True)
    return None


# Built once: every heartbeat runs it, and SQLAlchemy then finds it compiled in its cache.
_EXTEND = (
    update(NumberLease.__table__)
    .where(
        NumberLease.__table__.c.phone_number_id == bindparam("number_id"),
        NumberLease.__table__.c.session_id == bindparam("holder_id"),
    )
    .values(free_at=bindparam("new_free_at", type_=NumberLease.__table__.c.free_at.type))
)


def extend_lease(
    config: TrackerConfig, session_id: int, phone_number_id: int, now: datetime
) -> datetime | None:
    """Move the visit's lease on from now; None when the visit no longer holds its number."""
    kept = cast(
        CursorResult,
        db.session.execute(
            _EXTEND,
            {
                "number_id": phone_number_id,
                "holder_id": session_id,
                "new_free_at": now + config.lease + config.cooldown,
            },
        ),
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
