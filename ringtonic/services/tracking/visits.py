"""Visits from the tracker script: start one, keep it alive, and say which number to show."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import PhoneNumber, Workspace
from ringtonic.models.website import CLICK_IDS, UTM_TAGS, VisitorSession, WebsiteSettings
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.tracking import leases
from ringtonic.services.tracking.settings import domain_allowed, get_settings, note_script_seen
from ringtonic.services.tracking.sources import classify, tags_of

# A visit ends after this long without a heartbeat (the script's cookie says the same).
VISIT_IDLE = timedelta(minutes=30)
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


def _page_url(raw: str) -> str:
    text = (raw or "").strip()[:MAX_URL]
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("The page address must be an http or https URL.", "page")
    return text


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw).strip()) if raw else None
    except ValueError:
        return None


def _short(raw: str) -> str:
    return "".join(ch for ch in (raw or "") if ch.isprintable())[:MAX_ID]


def _fixed_source_number(settings: WebsiteSettings, source: str, medium: str) -> PhoneNumber | None:
    """Return the campaign's source number for this source (and medium, when it names one)."""
    if settings.campaign_id is None:
        return None
    candidates = db.session.scalars(
        select(PhoneNumber)
        .where(PhoneNumber.campaign_id == settings.campaign_id, PhoneNumber.source != "")
        .order_by(PhoneNumber.id)
    )
    for number in candidates:
        if number.source.lower() == source and number.medium.lower() in ("", medium):
            return number
    return None


def _first_touch(workspace: Workspace, visitor_id: uuid.UUID) -> tuple[str, str] | None:
    row = db.session.execute(
        select(VisitorSession.source, VisitorSession.medium)
        .where(
            VisitorSession.workspace_id == workspace.id,
            VisitorSession.visitor_id == visitor_id,
        )
        .order_by(VisitorSession.started_at, VisitorSession.id)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _live_visit(workspace: Workspace, raw_uuid: str, now: datetime) -> VisitorSession | None:
    wanted = _uuid(raw_uuid)
    if wanted is None:
        return None
    visit = db.session.scalar(
        select(VisitorSession).where(
            VisitorSession.workspace_id == workspace.id, VisitorSession.uuid == wanted
        )
    )
    if visit is None or now - visit.last_seen_at > VISIT_IDLE:
        return None
    return visit


def _number_text(phone_number_id: int | None) -> str | None:
    if phone_number_id is None:
        return None
    return db.session.scalar(select(PhoneNumber.number).where(PhoneNumber.id == phone_number_id))


def _shown(visit: VisitorSession) -> Shown:
    return Shown(
        session_uuid=visit.uuid,
        visitor_id=visit.visitor_id,
        number=_number_text(visit.phone_number_id),
        source=visit.source,
        medium=visit.medium,
    )


def _give_number(settings: WebsiteSettings, visit: VisitorSession, now: datetime) -> None:
    fixed = _fixed_source_number(settings, visit.source, visit.medium)
    if fixed is not None:
        visit.phone_number_id, visit.number_leased_at, visit.number_until = fixed.id, now, None
        return
    lease = leases.lease_number(settings, visit, now)
    if lease is None:
        visit.phone_number_id = visit.number_leased_at = visit.number_until = None
        return
    visit.phone_number_id = lease.phone_number_id
    visit.number_leased_at = now
    visit.number_until = lease.number_until
    visit.took_over = visit.took_over or lease.took_over


def start_visit(
    workspace: Workspace, start: VisitStart, now: datetime, location: Mapping[str, str]
) -> Shown:
    """Start (or continue) a visit and lease it a number, or raise (OriginNotAllowed...)."""
    settings = get_settings(workspace)
    page = _page_url(start.page)
    if not domain_allowed(settings, urlsplit(page).hostname or ""):
        raise OriginNotAllowed("This site is not one of the workspace's allowed domains.", "page")
    note_script_seen(workspace.id, page, now)
    visit = _live_visit(workspace, start.session_id, now)
    if visit is not None:
        # A new page of the same visit: same number, lease moved on.
        visit.last_seen_at = now
        until = leases.extend_lease(settings, visit, now)
        if until is not None:
            visit.number_until = until
        elif visit.number_until is not None:
            _give_number(settings, visit, now)
        db.session.flush()
        return _shown(visit)
    referrer = (start.referrer or "").strip()[:MAX_URL]
    attribution = classify(page, referrer)
    visitor_id = _uuid(start.visitor_id) or uuid.uuid4()
    first = _first_touch(workspace, visitor_id)
    tags = tags_of(attribution.params, UTM_TAGS + CLICK_IDS)
    visit = VisitorSession(
        workspace_id=workspace.id,
        campaign_id=settings.campaign_id,
        visitor_id=visitor_id,
        started_at=now,
        last_seen_at=now,
        landing_page=page,
        referrer=referrer,
        source=attribution.source,
        medium=attribution.medium,
        first_touch_source=first[0] if first else attribution.source,
        first_touch_medium=first[1] if first else attribution.medium,
        ga_client_id=_short(start.ga_client_id),
        ga_session_id=_short(start.ga_session_id),
        took_over=False,
        **tags,
        **{k: v for k, v in location.items() if k in ("city", "state", "country")},
    )
    db.session.add(visit)
    db.session.flush()
    _give_number(settings, visit, now)
    db.session.flush()
    return _shown(visit)


def keep_alive(workspace: Workspace, session_uuid: str, now: datetime) -> Shown:
    """Record a heartbeat: the visit stays live and keeps (or regains) its number."""
    visit = _live_visit(workspace, session_uuid, now)
    if visit is None:
        raise NotFound("This visit has ended.", "session")
    settings = get_settings(workspace)
    visit.last_seen_at = now
    if visit.number_until is not None:
        until = leases.extend_lease(settings, visit, now)
        if until is not None:
            visit.number_until = until
        else:
            # Taken over while the page sat idle: lease another number.
            _give_number(settings, visit, now)
    db.session.flush()
    return _shown(visit)
