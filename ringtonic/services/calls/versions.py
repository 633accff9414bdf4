"""A call's version alone: what its ETag is derived from, without loading the call.

A poller revalidating one call (If-None-Match) is answered 304 from this read when
nothing changed: one indexed row by the call's uuid, joined to its number and the two
campaigns it names, on the read gateway (no ORM objects, no serializing). The tuple is
exactly the one ringtonic.api.conditional.call_version builds from a loaded call, so a
tag from a full answer matches it.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from ringtonic.db.reads import PreparedRead
from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber
from ringtonic.services.errors import NotFound
from ringtonic.services.public_ids import parse_public_id

_CAMPAIGN = ("id", "name", "type", "archived_at")
_NUMBER = ("id", "number", "friendly_name", "forwarding_number", "source", "medium")


def _version_read() -> Select[Any]:
    call_campaign = aliased(Campaign)
    number_campaign = aliased(Campaign)
    return (
        select(
            Call.id,
            Call.updated_at,
            Call.visitor_session_id,
            *(getattr(PhoneNumber, name) for name in _NUMBER),
            *(getattr(number_campaign, name) for name in _CAMPAIGN),
            *(getattr(call_campaign, name) for name in _CAMPAIGN),
        )
        .select_from(Call)
        .outerjoin(PhoneNumber, PhoneNumber.id == Call.phone_number_id)
        .outerjoin(number_campaign, number_campaign.id == PhoneNumber.campaign_id)
        .outerjoin(call_campaign, call_campaign.id == Call.campaign_id)
        .where(Call.workspace_id == bindparam("workspace_id"), Call.uuid == bindparam("uuid"))
    )


_VERSION = PreparedRead(_version_read)


def call_version_by_uuid(workspace_id: int, call_uuid: str | uuid.UUID) -> tuple[Any, ...]:
    """Return the workspace's call's version (as conditional.call_version), or NotFound."""
    wanted = parse_public_id(call_uuid, "Call not found.")
    row = _VERSION.one_or_none(db.engine, workspace_id=workspace_id, uuid=wanted)
    if row is None:
        raise NotFound("Call not found.")
    call_id, updated_at, visit_id = row[:3]
    number = row[3 : 3 + len(_NUMBER)]
    start = 3 + len(_NUMBER)
    number_campaign = row[start : start + len(_CAMPAIGN)]
    call_campaign = row[start + len(_CAMPAIGN) :]
    number_version = () if number[0] is None else (*number, _campaign(number_campaign))
    return (call_id, updated_at, number_version, _campaign(call_campaign), visit_id)


def _campaign(columns: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return a campaign's version part as conditional.campaign_version builds it."""
    campaign_id, name, kind, archived_at = columns
    if campaign_id is None:
        return ()
    # Campaign.status is derived from archived_at, by the same rule.
    return (campaign_id, name, kind, "archived" if archived_at else "active", archived_at)
