"""Helpers that put campaigns, tracking numbers and calls straight into the database."""

from __future__ import annotations

from datetime import UTC, datetime

from ringtonic.extensions import db
from ringtonic.models import Account, Call, Campaign, PhoneNumber, User, Workspace
from ringtonic.services.accounts.passwords import hash_password
from tests.support.web_client import PASSWORD

_counter = iter(range(1, 1_000_000))


def add_campaign(workspace: Workspace, name: str = "Google Business Profile") -> Campaign:
    """Add a static campaign to the workspace."""
    campaign = Campaign(workspace_id=workspace.id, name=name, type="static")
    db.session.add(campaign)
    db.session.flush()
    return campaign


def add_number(
    workspace: Workspace,
    number: str = "+15125550100",
    *,
    campaign: Campaign | None = None,
    source: str = "",
    medium: str = "",
    friendly_name: str = "",
) -> PhoneNumber:
    """Add a tracking number to the workspace."""
    phone = PhoneNumber(
        workspace_id=workspace.id,
        number=number,
        friendly_name=friendly_name,
        forwarding_number="+15125559999",
        campaign_id=campaign.id if campaign else None,
        source=source,
        medium=medium,
    )
    db.session.add(phone)
    db.session.flush()
    return phone


def add_call(
    workspace: Workspace,
    started_at: datetime | None = None,
    *,
    number: PhoneNumber | None = None,
    caller: str = "+15125550147",
    status: str = "answered",
    duration: int = 60,
    **extra,
) -> Call:
    """Add a call (to `number` and its campaign when given) to the workspace."""
    call = Call(
        workspace_id=workspace.id,
        phone_number_id=number.id if number else None,
        campaign_id=number.campaign_id if number else None,
        tracking_number=number.number if number else "+15125550100",
        caller_number=caller,
        started_at=started_at or datetime(2024, 3, 1, 15, 0, next(_counter) % 60, tzinfo=UTC),
        status=status,
        duration_seconds=duration,
        **extra,
    )
    db.session.add(call)
    db.session.flush()
    return call


def add_teammate(account: Account, email: str, role: str) -> User:
    """Add a user with `role` to the account (committed), signing in with PASSWORD."""
    user = User(
        account_id=account.id, email=email, password_hash=hash_password(PASSWORD), role=role
    )
    db.session.add(user)
    db.session.commit()
    return user
