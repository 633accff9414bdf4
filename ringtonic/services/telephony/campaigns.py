"""Campaigns: groups of tracking numbers, by where they are published."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from ringtonic.db.reads import PreparedRead
from ringtonic.extensions import db
from ringtonic.models import CAMPAIGN_TYPES, Call, Campaign, PhoneNumber, User, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.audit import record_event
from ringtonic.services.calls.keyset import KeysetPage, newest_first_page
from ringtonic.services.errors import Conflict, NotFound, ValidationError
from ringtonic.services.names import clean_name, name_key
from ringtonic.services.public_ids import parse_public_id
from ringtonic.services.reporting.periods import DEFAULT_DAYS, Period, last_days

NAME_MAX = 100
RECENT_DAYS = DEFAULT_DAYS
TAKEN = "A campaign with this name already exists in this workspace."


@dataclass(frozen=True)
class CampaignSummary:
    """A campaign with its number of calls in the last RECENT_DAYS local days."""

    campaign: Campaign
    recent_calls: int


def check_campaign_name(raw: str) -> str:
    """Return the trimmed campaign name or raise ValidationError."""
    return clean_name(
        raw, field="name", label="Name", max_length=NAME_MAX, missing="Enter a campaign name."
    )


def check_campaign_type(raw: str) -> str:
    """Return the campaign type or raise ValidationError."""
    if raw not in CAMPAIGN_TYPES:
        raise ValidationError("Choose static or website.", "type")
    return raw


def _check_name_free(workspace: Workspace, name: str, except_id: int | None = None) -> None:
    # Compared by stored key (NFKC, case folded), not lower(): SQLite's is ASCII-only.
    query = select(Campaign.id).where(
        Campaign.workspace_id == workspace.id, Campaign.name_key == name_key(name)
    )
    if except_id is not None:
        query = query.where(Campaign.id != except_id)
    if db.session.scalar(query) is not None:
        raise Conflict(TAKEN, "name")


def _flush_unique(campaign: Campaign) -> None:
    # Two people saving the same name at once: the unique index decides, and the loser
    # gets the same field error as the check above instead of a server error.
    try:
        with db.session.begin_nested():
            db.session.add(campaign)
            db.session.flush()
    except IntegrityError:
        raise Conflict(TAKEN, "name") from None


def recent_period(workspace: Workspace, now: datetime | None = None) -> Period:
    """Return the window "last 30 days" counts: 30 local days in the workspace's zone."""
    return last_days(workspace.time_zone, now or utcnow(), RECENT_DAYS)


def list_campaigns(workspace: Workspace, now: datetime | None = None) -> list[CampaignSummary]:
    """Return the workspace's campaigns, active first, each with its recent call count."""
    recent = recent_period(workspace, now)
    # One statement. Each count seeks straight to its campaign's last 30 days in the
    # (workspace, campaign, started_at) index; a GROUP BY would read every call of the
    # workspace (measured 10 ms against 47 ms with 450,000 calls in a workspace).
    recent_calls = (
        select(func.count(Call.id))
        .where(
            Call.workspace_id == workspace.id,
            Call.campaign_id == Campaign.id,
            Call.started_at >= recent.start,
            Call.started_at < recent.end,
        )
        .correlate(Campaign)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Campaign, recent_calls)
        .where(Campaign.workspace_id == workspace.id)
        .order_by(Campaign.archived_at.is_not(None), func.lower(Campaign.name), Campaign.id)
    )
    return [CampaignSummary(campaign, int(calls)) for campaign, calls in rows]


def list_active_campaigns(workspace: Workspace) -> list[Campaign]:
    """Return the workspace's campaigns that are not archived, by name."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.workspace_id == workspace.id, Campaign.archived_at.is_(None))
            .order_by(func.lower(Campaign.name), Campaign.id)
        )
    )


def list_campaign_choices(workspace: Workspace) -> list[Campaign]:
    """Return every campaign for a selector: active ones first, then by name."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.workspace_id == workspace.id)
            .order_by(Campaign.archived_at.is_not(None), func.lower(Campaign.name), Campaign.id)
        )
    )


def list_campaigns_after(
    workspace: Workspace, status: str | None, after: uuid.UUID | None, limit: int
) -> KeysetPage[Campaign]:
    """Return the page of campaigns (all, "active" or "archived") after `after`, newest first."""
    query = select(Campaign).where(Campaign.workspace_id == workspace.id)
    if status == "active":
        query = query.where(Campaign.archived_at.is_(None))
    elif status == "archived":
        query = query.where(Campaign.archived_at.is_not(None))
    return newest_first_page(
        query, Campaign, Campaign.created_at, workspace_id=workspace.id, after=after, limit=limit
    )


def get_campaign(workspace: Workspace, campaign_uuid: str | uuid.UUID) -> Campaign:
    """Return the workspace's campaign with this uuid or raise NotFound."""
    wanted = parse_public_id(campaign_uuid, "Campaign not found.")
    campaign: Campaign | None = db.session.scalar(
        select(Campaign).where(Campaign.workspace_id == workspace.id, Campaign.uuid == wanted)
    )
    if campaign is None:
        raise NotFound("Campaign not found.")
    return campaign


@dataclass(frozen=True)
class CampaignRef:
    """Which campaign a report is about: its id, public id and name (read-only)."""

    id: int
    uuid: uuid.UUID
    name: str


# Report endpoints name a campaign on every request; an ORM load of it cost more than
# summing a month of rollups for it.
_CAMPAIGN_REF = PreparedRead(
    lambda: select(Campaign.id, Campaign.uuid, Campaign.name).where(
        Campaign.workspace_id == bindparam("workspace_id"),
        Campaign.uuid == bindparam("uuid", type_=Campaign.uuid.type),
    )
)


def get_campaign_ref(workspace: Workspace, campaign_uuid: str | uuid.UUID) -> CampaignRef:
    """Return the id, uuid and name of the workspace's campaign, or raise NotFound."""
    wanted = parse_public_id(campaign_uuid, "Campaign not found.")
    row = _CAMPAIGN_REF.one_or_none(db.engine, workspace_id=workspace.id, uuid=wanted)
    if row is None:
        raise NotFound("Campaign not found.")
    return CampaignRef(*row)


def count_recent_calls(
    workspace: Workspace, campaign: Campaign, now: datetime | None = None
) -> int:
    """Return how many calls the campaign had in the last RECENT_DAYS local days."""
    recent = recent_period(workspace, now)
    return db.session.execute(
        select(func.count(Call.id)).where(
            Call.workspace_id == workspace.id,
            Call.campaign_id == campaign.id,
            Call.started_at >= recent.start,
            Call.started_at < recent.end,
        )
    ).scalar_one()


def list_campaign_numbers(campaign: Campaign) -> list[PhoneNumber]:
    """Return the tracking numbers in the campaign."""
    return list(
        db.session.scalars(
            select(PhoneNumber)
            .where(
                PhoneNumber.workspace_id == campaign.workspace_id,
                PhoneNumber.campaign_id == campaign.id,
            )
            .order_by(PhoneNumber.number)
        )
    )


def create_campaign(
    workspace: Workspace,
    name: str,
    campaign_type: str,
    actor: User | None = None,
    ip: str | None = None,
) -> Campaign:
    """Create a campaign in the workspace."""
    checked_name = check_campaign_name(name)
    kind = check_campaign_type(campaign_type)
    _check_name_free(workspace, checked_name)
    campaign = Campaign(workspace_id=workspace.id, name=checked_name, type=kind)
    _flush_unique(campaign)
    _audit(actor, "campaign.created", campaign, workspace, ip, {"type": kind})
    return campaign


def update_campaign(
    campaign: Campaign,
    name: str,
    campaign_type: str,
    actor: User | None = None,
    ip: str | None = None,
) -> Campaign:
    """Rename a campaign and set its type."""
    checked_name = check_campaign_name(name)
    kind = check_campaign_type(campaign_type)
    workspace = db.session.get_one(Workspace, campaign.workspace_id)
    _check_name_free(workspace, checked_name, except_id=campaign.id)
    previous = campaign.name
    campaign.name = checked_name
    campaign.type = kind
    _flush_unique(campaign)
    _audit(
        actor,
        "campaign.updated",
        campaign,
        workspace,
        ip,
        {"previous_name": previous, "type": kind},
    )
    return campaign


def set_campaign_archived(
    campaign: Campaign, archived: bool, actor: User | None = None, ip: str | None = None
) -> bool:
    """Archive or restore a campaign; return whether it changed."""
    if (campaign.archived_at is not None) == archived:
        return False
    campaign.archived_at = utcnow() if archived else None
    workspace = db.session.get_one(Workspace, campaign.workspace_id)
    action = "campaign.archived" if archived else "campaign.unarchived"
    _audit(actor, action, campaign, workspace, ip, {})
    return True


def _audit(
    actor: User | None,
    action: str,
    campaign: Campaign,
    workspace: Workspace,
    ip: str | None,
    details: dict[str, Any],
) -> None:
    record_event(
        actor,
        action,
        account_id=workspace.account_id,
        workspace=workspace,
        target=campaign.name,
        ip=ip,
        details={"campaign": str(campaign.uuid), **details},
    )
