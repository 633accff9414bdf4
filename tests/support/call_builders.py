"""Build campaigns, numbers and calls directly through the models for report tests."""

from __future__ import annotations

from datetime import UTC, datetime

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber, Workspace


def add_campaign(workspace: Workspace, name: str = "Google Business Profile") -> Campaign:
    campaign = Campaign(workspace_id=workspace.id, name=name, type="static")
    db.session.add(campaign)
    db.session.flush()
    return campaign


def add_number(workspace: Workspace, campaign: Campaign | None, number: str) -> PhoneNumber:
    phone = PhoneNumber(
        workspace_id=workspace.id,
        number=number,
        forwarding_number="+15125550100",
        campaign_id=campaign.id if campaign else None,
        friendly_name=f"Line {number[-4:]}",
    )
    db.session.add(phone)
    db.session.flush()
    return phone


def add_call(workspace: Workspace, started_at: datetime | str, **fields) -> Call:
    if isinstance(started_at, str):
        started_at = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    values = {
        "workspace_id": workspace.id,
        "tracking_number": "+15125550111",
        "caller_number": "+15125550199",
        "started_at": started_at.astimezone(UTC),
        "status": "answered",
        "duration_seconds": 60,
        **fields,
    }
    campaign = values.pop("campaign", None)
    if campaign is not None:
        values["campaign_id"] = campaign.id
    number = values.pop("number", None)
    if number is not None:
        values["phone_number_id"] = number.id
        values["tracking_number"] = number.number
    call = Call(**values)
    db.session.add(call)
    return call
