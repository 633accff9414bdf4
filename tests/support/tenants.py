"""Tenants for the isolation tests: an owner, a sibling workspace, another account, an Indie.

Each workspace gets one of everything a URL can name (campaign, number, call, API key),
and each account a teammate and a pending invitation, so every id variable of every route
has a real object to point at, in the caller's tenant and in the others.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ringtonic.background.call_handling import recording_store
from ringtonic.extensions import db
from ringtonic.models import (
    Account,
    ApiKey,
    BlockedNumber,
    Call,
    CallImport,
    CallRecording,
    Campaign,
    Invitation,
    PhoneNumber,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    Workspace,
)
from ringtonic.services.accounts.accounts import create_account, set_plan
from ringtonic.services.accounts.invitations import create_invitation
from ringtonic.services.accounts.workspaces import create_workspace
from ringtonic.services.keys.api_keys import create_api_key, revoke_api_key
from ringtonic.services.recordings.storage import recording_key
from tests.support.recording_servers import wav_bytes
from tests.support.team_support import add_member
from tests.support.web_client import PASSWORD


@dataclass
class WorkspaceObjects:
    """A workspace and one object of each kind in it; `keys` are secrets by access level."""

    workspace: Workspace
    campaign: Campaign
    number: PhoneNumber
    call: Call
    api_key: ApiKey
    call_import: CallImport
    keys: dict[str, str] = field(default_factory=dict)
    webhook_endpoint: WebhookEndpoint | None = None
    webhook_delivery: WebhookDelivery | None = None
    blocked_number: BlockedNumber | None = None


@dataclass
class Tenant:
    """An account, its admin, a teammate, a pending invitation and its first workspace."""

    account: Account
    admin: User
    member: User
    invitation: Invitation
    home: WorkspaceObjects


def _store_recording(workspace: Workspace, call: Call, digits: str) -> None:
    """Give the call a recording copied into the app's recording store."""
    sid = "RE" + digits.rjust(32, "0")
    key = recording_key(str(workspace.uuid), sid)
    recording_store().put(key, io.BytesIO(wav_bytes(0.1)), "audio/wav")
    db.session.add(
        CallRecording(
            workspace_id=workspace.id,
            call_id=call.id,
            provider_recording_sid=sid,
            provider_status="completed",
            duration_seconds=1,
            storage_key=key,
            copied_at=datetime(2024, 5, 1, 15, 2, tzinfo=UTC),
        )
    )


def fill_workspace(workspace: Workspace, admin: User, label: str, digits: str) -> WorkspaceObjects:
    """Give the workspace a campaign, a number in it, a recorded call to it and two API keys."""
    campaign = Campaign(workspace_id=workspace.id, name=f"{label} campaign", type="static")
    db.session.add(campaign)
    db.session.flush()
    number = PhoneNumber(
        workspace_id=workspace.id,
        number=f"+1512555{digits}",
        forwarding_number="+15125550100",
        friendly_name=f"{label} line",
        campaign_id=campaign.id,
    )
    db.session.add(number)
    db.session.flush()
    call = Call(
        workspace_id=workspace.id,
        campaign_id=campaign.id,
        phone_number_id=number.id,
        tracking_number=number.number,
        caller_number="+15125550199",
        started_at=datetime(2024, 5, 1, 15, 0, tzinfo=UTC),
        duration_seconds=42,
        status="answered",
        caller_city=f"{label} city",
    )
    db.session.add(call)
    db.session.flush()
    _store_recording(workspace, call, digits)
    call_import = CallImport(
        workspace_id=workspace.id, user_id=admin.id, filename=f"{label}.csv", status="completed"
    )
    db.session.add(call_import)
    read_write = create_api_key(workspace, admin, f"{label} read-write", "read_write")
    read = create_api_key(workspace, admin, f"{label} read-only", "read")
    endpoint = WebhookEndpoint(
        workspace_id=workspace.id,
        url=f"https://{label.lower()}.example.com/hook",
        events=["call.started"],
        secret_encrypted="not-a-real-ciphertext",
        secret_hint="whsec_…abcd",
    )
    event = WebhookEvent(workspace_id=workspace.id, type="call.started", body="{}")
    delivery = WebhookDelivery(endpoint=endpoint, event=event, state="failed", attempts=1)
    db.session.add_all([endpoint, event, delivery])
    blocked = BlockedNumber(
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        number=f"+1512556{digits}",
        reason="spam",
        added_by_id=admin.id,
    )
    db.session.add(blocked)
    db.session.flush()
    return WorkspaceObjects(
        workspace=workspace,
        campaign=campaign,
        number=number,
        call=call,
        api_key=read_write.api_key,
        call_import=call_import,
        keys={"read_write": read_write.secret, "read": read.secret},
        webhook_endpoint=endpoint,
        webhook_delivery=delivery,
        blocked_number=blocked,
    )


def make_tenant(label: str, email: str, digits: str) -> Tenant:
    """Create an Agency account with a filled workspace, a teammate and an invitation."""
    account, admin, workspace = create_account(f"{label} Agency", email, PASSWORD, "agency")
    db.session.flush()
    home = fill_workspace(workspace, admin, label, digits)
    db.session.commit()
    member = add_member(account, f"member-{email}", "member")
    invitation, _token = create_invitation(account, f"invited-{email}", "member", admin, None)
    db.session.commit()
    return Tenant(account=account, admin=admin, member=member, invitation=invitation, home=home)


@dataclass
class Tenants:
    """The owner (signed in / holding the keys), and everyone it must never see."""

    owner: Tenant
    sibling: WorkspaceObjects  # another workspace of the owner's account
    other: Tenant  # another account
    indie: Tenant  # an account downgraded to Indie after making its keys
    revoked_key: str  # a key of the owner's workspace, revoked


def make_tenants() -> Tenants:
    """Create (and commit) every tenant."""
    owner = make_tenant("Owner", "owner@example.com", "0101")
    sibling_workspace = create_workspace(owner.account, "Sibling", "America/Chicago")
    sibling = fill_workspace(sibling_workspace, owner.admin, "Sibling", "0202")
    revoked = create_api_key(owner.home.workspace, owner.admin, "Owner revoked", "read_write")
    db.session.flush()
    revoke_api_key(owner.home.workspace, str(revoked.api_key.uuid), owner.admin)
    db.session.commit()
    other = make_tenant("Other", "other@example.com", "0303")
    indie = make_tenant("Indie", "indie@example.com", "0404")
    set_plan(indie.account, "indie")
    db.session.commit()
    return Tenants(
        owner=owner, sibling=sibling, other=other, indie=indie, revoked_key=revoked.secret
    )
