"""Visits from the tracker script: start one, keep it alive, and say which number to show."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, case, null, or_, select, update
from sqlalchemy.engine import Connection

from ringtonic.db.reads import PreparedRead
from ringtonic.extensions import db
from ringtonic.models.website import CLICK_IDS, UTM_TAGS, VisitorSession, WebsiteSettings
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.tracking import leases
from ringtonic.services.tracking.config import TrackerConfig
from ringtonic.services.tracking.sources import classify, tags_of
from ringtonic.services.url_parts import split_url, url_host

# A visit ends after this long without a heartbeat (the script's cookie says the same).
VISIT_IDLE = timedelta(minutes=30)
# The install check needs to know the script runs, not every page view: one write a minute.
SEEN_EVERY = timedelta(minutes=1)
# A visit seen this recently keeps its number without a write: its lease and its end are
# counted in minutes, and the next heartbeat (about a minute later) records it.
QUIET = timedelta(seconds=15)
MAX_URL = 2000
MAX_ID = 100


class OriginNotAllowed(ValidationError):
    """The page is not on one of the workspace's allowed domains."""


@dataclass(frozen=True)
class VisitStart:
    """What the script reports when a page loads."""

    page: str
    referrer: str = ""
    visitor_id: str = ""
    session_id: str = ""
    ga_client_id: str = ""
    ga_session_id: str = ""


@dataclass(frozen=True)
class Shown:
    """The visit and the number its pages show (None: keep the real number)."""

    session_uuid: uuid.UUID
    visitor_id: uuid.UUID
    number: str | None
    source: str
    medium: str


@dataclass
class _Visit:
    id: int
    uuid: UUID
    visitor_id: UUID
    source: str
    medium: str
    phone_number_id: int | None
    number_until: datetime | None
    last_seen_at: datetime


_VISITS = VisitorSession.__table__
_VISIT_COLUMNS = tuple(
    _VISITS.c[name]
    for name in (
        "id",
        "uuid",
        "visitor_id",
        "source",
        "medium",
        "phone_number_id",
        "number_until",
        "last_seen_at",
    )
)


def _page_url(raw: str) -> str:
    text = (raw or "").strip()[:MAX_URL]
    parts = split_url(text)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("The page address must be an http or https URL.", "page")
    return text


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw).strip()) if raw else None
    except ValueError:
        return None


def _short(raw: str) -> str:
    return "".join(ch for ch in (raw or "") if ch.isprintable())[:MAX_ID]


def _source_number(config: TrackerConfig, source: str, medium: str) -> int | None:
    """Return the campaign's source number for this source (and medium, when it names one)."""
    for number_id, (_e164, fixed_source, fixed_medium) in sorted(config.numbers.items()):
        if fixed_source.lower() == source and fixed_medium.lower() in ("", medium):
            return number_id
    return None


# Built once: a returning visitor's every new visit reads where they first came from.
_FIRST_TOUCH = (
    select(_VISITS.c.source, _VISITS.c.medium)
    .where(
        _VISITS.c.workspace_id == bindparam("in_workspace"),
        _VISITS.c.visitor_id == bindparam("visitor_id", type_=_VISITS.c.visitor_id.type),
    )
    .order_by(_VISITS.c.started_at, _VISITS.c.id)
    .limit(1)
)


def _first_touch(
    connection: Connection, config: TrackerConfig, visitor_id: uuid.UUID
) -> tuple[str, str] | None:
    row = connection.execute(
        _FIRST_TOUCH, {"in_workspace": config.workspace_id, "visitor_id": visitor_id}
    ).first()
    return (row[0], row[1]) if row else None


# Built once: every heartbeat (and every later page of a visit) runs it. Finding the live
# visit and moving it on is one statement: last seen now, and a pool lease's end moved
# to now + the lease time (a visit showing a source number, or none, has no end).
_TOUCH = (
    update(_VISITS)
    .where(
        _VISITS.c.workspace_id == bindparam("in_workspace"),
        _VISITS.c.uuid == bindparam("visit_uuid", type_=_VISITS.c.uuid.type),
        _VISITS.c.last_seen_at >= bindparam("idle_since", type_=_VISITS.c.last_seen_at.type),
    )
    .values(
        last_seen_at=bindparam("seen_at", type_=_VISITS.c.last_seen_at.type),
        number_until=case(
            (_VISITS.c.number_until.is_(None), null()),
            else_=bindparam("until", type_=_VISITS.c.number_until.type),
        ),
    )
    .returning(*_VISIT_COLUMNS)
)


_RECENT_VISIT = PreparedRead(
    lambda: select(*_VISIT_COLUMNS).where(
        _VISITS.c.workspace_id == bindparam("in_workspace"),
        _VISITS.c.uuid == bindparam("visit_uuid", type_=_VISITS.c.uuid.type),
        _VISITS.c.last_seen_at >= bindparam("quiet_since", type_=_VISITS.c.last_seen_at.type),
    )
)


def _recently_seen(config: TrackerConfig, wanted: UUID, now: datetime) -> _Visit | None:
    """Return the visit when it was recorded seen within QUIET and still holds its number.

    A read outside any transaction: no write lock, no commit. A visit whose lease another
    visit took over has its lease end set to that moment (no later than now), so it goes
    the writing way and gets a new number.
    """
    row = _RECENT_VISIT.one_or_none(
        db.engine, in_workspace=config.workspace_id, visit_uuid=wanted, quiet_since=now - QUIET
    )
    if row is None:
        return None
    visit = _Visit(*row)
    if visit.number_until is not None and visit.number_until <= now:
        return None
    return visit


def _touch_live_visit(
    connection: Connection, config: TrackerConfig, wanted: UUID, now: datetime
) -> _Visit | None:
    """Mark the visit seen now and return it; None when it is unknown or has ended."""
    row = connection.execute(
        _TOUCH,
        {
            "in_workspace": config.workspace_id,
            "visit_uuid": wanted,
            "idle_since": now - VISIT_IDLE,
            "seen_at": now,
            "until": now + config.lease,
        },
    ).first()
    return None if row is None else _Visit(*row)


def _shown(config: TrackerConfig, visit: _Visit) -> Shown:
    number = config.numbers.get(visit.phone_number_id) if visit.phone_number_id else None
    return Shown(
        session_uuid=visit.uuid,
        visitor_id=visit.visitor_id,
        number=number[0] if number else None,
        source=visit.source,
        medium=visit.medium,
    )


_SETTINGS = WebsiteSettings.__table__
# Built once: the install check's note (at most once a minute per workspace and process).
_NOTE_SEEN = (
    update(_SETTINGS)
    .where(
        _SETTINGS.c.workspace_id == bindparam("in_workspace"),
        or_(
            _SETTINGS.c.last_seen_at.is_(None),
            _SETTINGS.c.last_seen_at
            < bindparam("seen_before", type_=_SETTINGS.c.last_seen_at.type),
        ),
    )
    .values(
        last_seen_at=bindparam("now", type_=_SETTINGS.c.last_seen_at.type),
        last_seen_page=bindparam("page"),
    )
)


# When this process last noted each workspace's script as seen: the install check needs
# one write a minute, and most visits would otherwise run an UPDATE that changes nothing.
_noted_seen: dict[tuple[int, uuid.UUID], datetime] = {}


def _note_script_seen(
    connection: Connection, config: TrackerConfig, page: str, now: datetime
) -> None:
    """Remember when and on which page the script last ran (the install check)."""
    key = (config.workspace_id, config.workspace_uuid)
    noted = _noted_seen.get(key)
    if noted is not None and noted <= now < noted + SEEN_EVERY:
        return
    if len(_noted_seen) >= 10_000:
        _noted_seen.clear()
    _noted_seen[key] = now
    connection.execute(
        _NOTE_SEEN,
        {
            "in_workspace": config.workspace_id,
            "now": now,
            "seen_before": now - SEEN_EVERY,
            "page": page[:500],
        },
    )


def _give_number(
    connection: Connection, config: TrackerConfig, visit: _Visit, now: datetime, locked: bool
) -> None:
    """Give the visit its source number or lease it a pool number (or none: empty pool).

    `locked`: the transaction holds the workspace's lease lock already (PostgreSQL).
    """
    fixed = _source_number(config, visit.source, visit.medium)
    if fixed is None:
        lease = leases.lease_number(connection, config, visit.id, now, locked)
        if lease is not None:
            visit.phone_number_id, visit.number_until = lease.phone_number_id, lease.number_until
            return
    leases.store_number(connection, visit.id, fixed, now, None, False)
    visit.phone_number_id, visit.number_until = fixed, None


def _keep(
    connection: Connection, config: TrackerConfig, visit: _Visit, now: datetime, locked: bool
) -> None:
    """Keep a touched visit's lease, or give it a new number if another visit took it."""
    number_id = visit.phone_number_id
    if (
        number_id is not None
        and visit.number_until is not None
        and leases.extend_lease(connection, config, visit.id, number_id, now) is None
    ):
        _give_number(connection, config, visit, now, locked)


def _touch_and_keep(
    connection: Connection, config: TrackerConfig, wanted: UUID, now: datetime
) -> _Visit | None:
    """Mark a live visit seen and keep its number (writing); None if it ended."""
    # The lease lock before the visit's row (PostgreSQL): see leases.lock_pool.
    locked = leases.lock_pool(connection, config)
    visit = _touch_live_visit(connection, config, wanted, now)
    if visit is not None:
        _keep(connection, config, visit, now, locked)
    return visit


@dataclass(frozen=True)
class PreparedStart:
    """A visit start worked out before anything is written (see prepare_start)."""

    start: VisitStart
    location: Mapping[str, str]
    page: str
    referrer: str
    # The visit the script named, seen within QUIET: answered without a write.
    recent: _Visit | None
    # The visit the script named, seen longer ago: touched if it is still live.
    continuing: UUID | None
    # A new visit's row, worked out when the script named no visit (else only if needed).
    new_row: dict[str, Any] | None


def _new_row(
    connection: Connection,
    config: TrackerConfig,
    start: VisitStart,
    page: str,
    referrer: str,
    now: datetime,
    location: Mapping[str, str],
) -> dict[str, Any]:
    """Return a new visit's row: its source, first touch, tags and place (reads only)."""
    attribution = classify(page, referrer)
    given_visitor = _uuid(start.visitor_id)
    first = _first_touch(connection, config, given_visitor) if given_visitor else None
    return {
        "uuid": uuid.uuid4(),
        "workspace_id": config.workspace_id,
        "campaign_id": config.campaign_id,
        "visitor_id": given_visitor or uuid.uuid4(),
        "started_at": now,
        "last_seen_at": now,
        "landing_page": page,
        "referrer": referrer,
        "source": attribution.source,
        "medium": attribution.medium,
        "first_touch_source": first[0] if first else attribution.source,
        "first_touch_medium": first[1] if first else attribution.medium,
        "ga_client_id": _short(start.ga_client_id),
        "ga_session_id": _short(start.ga_session_id),
        "took_over": False,
        **tags_of(attribution.params, UTM_TAGS + CLICK_IDS),
        **{k: location.get(k, "") for k in ("city", "state", "country")},
    }


def prepare_start(
    connection: Connection,
    config: TrackerConfig,
    start: VisitStart,
    now: datetime,
    location: Mapping[str, str],
) -> PreparedStart:
    """Check a visit start and work out what it writes, reading only; raise when refused.

    Everything that needs no write happens here, before write_start: on SQLite a start
    holds the database's one write lock from its first write to its commit, so that hold
    is only the writes themselves (OriginNotAllowed, ValidationError: nothing to write).
    """
    page = _page_url(start.page)
    if not config.allows(url_host(page)):
        raise OriginNotAllowed("This site is not one of the workspace's allowed domains.", "page")
    referrer = (start.referrer or "").strip()[:MAX_URL]
    wanted = _uuid(start.session_id)
    recent = _recently_seen(config, wanted, now) if wanted is not None else None
    if recent is not None:
        return PreparedStart(start, location, page, referrer, recent, None, None)
    if wanted is not None:
        # A later page of a visit, most likely still live: its new row would go unused.
        return PreparedStart(start, location, page, referrer, None, wanted, None)
    new_row = _new_row(connection, config, start, page, referrer, now, location)
    return PreparedStart(start, location, page, referrer, None, None, new_row)


def write_start(
    connection: Connection, config: TrackerConfig, prepared: PreparedStart, now: datetime
) -> Shown:
    """Continue the prepared visit, or store a new one with its number; return what to show.

    The caller commits `connection`'s transaction (or rolls it back on an error).
    """
    _note_script_seen(connection, config, prepared.page, now)
    if prepared.recent is not None:
        return _shown(config, prepared.recent)
    if prepared.continuing is not None:
        visit = _touch_and_keep(connection, config, prepared.continuing, now)
        if visit is not None:
            # A new page of the same visit: the same number, its lease moved on.
            return _shown(config, visit)
    values = prepared.new_row
    if values is None:
        # The visit named has ended: a new one, worked out now (rare: its cookie ended too).
        values = _new_row(
            connection,
            config,
            prepared.start,
            prepared.page,
            prepared.referrer,
            now,
            prepared.location,
        )
    source, medium = values["source"], values["medium"]
    # On PostgreSQL the row and the workspace's lease lock come in one round trip.
    locked = (
        connection.dialect.name == "postgresql"
        and bool(config.pool_ids)
        and _source_number(config, source, medium) is None
    )
    insert_visit = leases.INSERT_VISIT
    if locked:
        values = {**values, "lease_workspace": config.workspace_id}
        insert_visit = leases.INSERT_VISIT_LOCKED
    visit_id: int = connection.execute(insert_visit, values).scalar_one()
    visit = _Visit(visit_id, values["uuid"], values["visitor_id"], source, medium, None, None, now)
    _give_number(connection, config, visit, now, locked)
    return _shown(config, visit)


def quiet_heartbeat(config: TrackerConfig, session_uuid: str, now: datetime) -> Shown | None:
    """Answer a heartbeat from a read when the visit was recorded seen within QUIET.

    Returns None when the heartbeat must write (keep_alive); raises NotFound for an id
    that names no visit at all. Nothing is written or committed here.
    """
    wanted = _uuid(session_uuid)
    if wanted is None:
        raise _ended()
    visit = _recently_seen(config, wanted, now)
    return None if visit is None else _shown(config, visit)


def keep_alive(
    connection: Connection, config: TrackerConfig, session_uuid: str, now: datetime
) -> Shown:
    """Record a heartbeat: the visit stays live and keeps (or regains) its number.

    Writes on `connection`, whose transaction the caller commits; raises NotFound when
    the visit is unknown or has ended.
    """
    wanted = _uuid(session_uuid)
    visit = _touch_and_keep(connection, config, wanted, now) if wanted is not None else None
    if visit is None:
        raise _ended()
    return _shown(config, visit)


def _ended() -> NotFound:
    return NotFound("This visit has ended.", "session")
