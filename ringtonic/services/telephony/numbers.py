"""Tracking numbers: the E.164 numbers callers dial, forwarded to the client's line."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber, User, Workspace
from ringtonic.services.audit import record_event
from ringtonic.services.calls.keyset import KeysetPage, newest_first_page
from ringtonic.services.errors import Conflict, NotFound, ValidationError
from ringtonic.services.names import clean_label
from ringtonic.services.public_ids import parse_public_id
from ringtonic.services.telephony.campaigns import get_campaign
from ringtonic.services.telephony.phones import parse_phone_number

TEXT_MAX = 100
TAKEN = "This number is already a tracking number in this workspace."


@dataclass(frozen=True)
class NumberDetails:
    """What a person enters for a tracking number (raw form values)."""

    number: str
    forwarding_number: str
    friendly_name: str = ""
    campaign: str = ""  # the campaign's uuid, or "" for none
    source: str = ""
    medium: str = ""


@dataclass(frozen=True)
class NumberSummary:
    """A tracking number with the latest call it received."""

    phone_number: PhoneNumber
    last_call: Call | None


def _clean_text(raw: str, field: str, label: str) -> str:
    return clean_label(raw, field=field, label=label, max_length=TEXT_MAX)


def _resolve_campaign(
    workspace: Workspace, raw: str, current: PhoneNumber | None
) -> Campaign | None:
    if not (raw or "").strip():
        return None
    try:
        campaign = get_campaign(workspace, raw.strip())
    except NotFound:
        raise ValidationError("Choose a campaign from the list.", "campaign") from None
    # A number may stay in a campaign archived after it joined, but none may join one.
    if campaign.archived_at is not None and (current is None or current.campaign_id != campaign.id):
        raise ValidationError("That campaign is archived; choose an active one.", "campaign")
    return campaign


def _validated(
    workspace: Workspace, details: NumberDetails, current: PhoneNumber | None
) -> dict[str, Any]:
    number = parse_phone_number(details.number, "number")
    forwarding = parse_phone_number(details.forwarding_number, "forwarding_number")
    if forwarding == number:
        raise ValidationError(
            "Forward to the business's real line, not to the tracking number itself.",
            "forwarding_number",
        )
    taken = select(PhoneNumber.id).where(
        PhoneNumber.workspace_id == workspace.id, PhoneNumber.number == number
    )
    if current is not None:
        taken = taken.where(PhoneNumber.id != current.id)
    if db.session.scalar(taken) is not None:
        raise Conflict(TAKEN, "number")
    campaign = _resolve_campaign(workspace, details.campaign, current)
    return {
        "number": number,
        "forwarding_number": forwarding,
        "friendly_name": _clean_text(details.friendly_name, "friendly_name", "Friendly name"),
        "campaign_id": campaign.id if campaign else None,
        "source": _clean_text(details.source, "source", "Source"),
        "medium": _clean_text(details.medium, "medium", "Medium"),
    }


def _flush_unique(phone_number: PhoneNumber) -> None:
    # Two people saving the same number at once: the unique index decides, the loser
    # gets the same field error as the check above instead of a server error.
    try:
        with db.session.begin_nested():
            db.session.add(phone_number)
            db.session.flush()
    except IntegrityError:
        raise Conflict(TAKEN, "number") from None


def add_number(
    workspace: Workspace,
    details: NumberDetails,
    actor: User | None = None,
    ip: str | None = None,
) -> PhoneNumber:
    """Add a tracking number to the workspace."""
    values = _validated(workspace, details, None)
    phone_number = PhoneNumber(workspace_id=workspace.id, **values)
    _flush_unique(phone_number)
    _audit(actor, "number.added", phone_number, workspace, ip)
    return phone_number


def update_number(
    phone_number: PhoneNumber,
    details: NumberDetails,
    actor: User | None = None,
    ip: str | None = None,
) -> PhoneNumber:
    """Change a tracking number's settings."""
    workspace = db.session.get_one(Workspace, phone_number.workspace_id)
    values = _validated(workspace, details, phone_number)
    for name, value in values.items():
        setattr(phone_number, name, value)
    _flush_unique(phone_number)
    _audit(actor, "number.updated", phone_number, workspace, ip)
    return phone_number


def get_number(workspace: Workspace, number_uuid: str | uuid.UUID) -> PhoneNumber:
    """Return the workspace's tracking number with this uuid or raise NotFound."""
    wanted = parse_public_id(number_uuid, "Number not found.")
    phone_number: PhoneNumber | None = db.session.scalar(
        select(PhoneNumber)
        .options(joinedload(PhoneNumber.campaign))
        .where(PhoneNumber.workspace_id == workspace.id, PhoneNumber.uuid == wanted)
    )
    if phone_number is None:
        raise NotFound("Number not found.")
    return phone_number


def list_numbers_after(
    workspace: Workspace, after: uuid.UUID | None, limit: int
) -> KeysetPage[PhoneNumber]:
    """Return the page of tracking numbers after `after`, newest first, with their campaigns."""
    query = (
        select(PhoneNumber)
        .options(joinedload(PhoneNumber.campaign))
        .where(PhoneNumber.workspace_id == workspace.id)
    )
    return newest_first_page(
        query,
        PhoneNumber,
        PhoneNumber.created_at,
        workspace_id=workspace.id,
        after=after,
        limit=limit,
    )


def list_numbers(workspace: Workspace) -> list[NumberSummary]:
    """Return the workspace's tracking numbers, each with its latest call."""
    # Per number, one descent of the (workspace, number, started_at) index, then a
    # primary-key lookup: cheap with millions of calls, unlike a GROUP BY over them all.
    recent = aliased(Call)
    latest = (
        select(recent.id)
        .where(recent.workspace_id == workspace.id, recent.phone_number_id == PhoneNumber.id)
        .order_by(recent.started_at.desc(), recent.id.desc())
        .limit(1)
        .correlate(PhoneNumber)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(PhoneNumber, Call)
        .options(joinedload(PhoneNumber.campaign))
        .outerjoin(Call, and_(Call.id == latest, Call.workspace_id == PhoneNumber.workspace_id))
        .where(PhoneNumber.workspace_id == workspace.id)
        .order_by(PhoneNumber.number)
    ).all()
    return [NumberSummary(number, call) for number, call in rows]


def _audit(
    actor: User | None,
    action: str,
    phone_number: PhoneNumber,
    workspace: Workspace,
    ip: str | None,
) -> None:
    record_event(
        actor,
        action,
        account_id=workspace.account_id,
        workspace=workspace,
        target=phone_number.number,
        ip=ip,
        details={
            "number": str(phone_number.uuid),
            "forwarding_number": phone_number.forwarding_number,
            "campaign_id": phone_number.campaign_id,
        },
    )
