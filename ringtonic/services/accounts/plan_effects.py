"""What a switch to the Indie plan stops, counted before anyone confirms it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Account, ApiKey, User, Workspace
from ringtonic.services.accounts.invitations import list_pending_invitations
from ringtonic.services.accounts.workspaces import INDIE_WORKSPACE_LIMIT


@dataclass(frozen=True)
class IndieEffects:
    """Counts of what stops working, or stops growing, on the Indie plan."""

    active_keys: int
    teammates: int
    pending_invitations: int
    workspaces: int

    @property
    def extra_workspaces(self) -> int:
        return max(self.workspaces - INDIE_WORKSPACE_LIMIT, 0)


def indie_effects(account: Account, actor: User) -> IndieEffects:
    """Count the account's working keys, other users, open invitations and workspaces."""
    keys = db.session.scalar(
        select(func.count(ApiKey.id))
        .join(Workspace, Workspace.id == ApiKey.workspace_id)
        .where(Workspace.account_id == account.id, ApiKey.revoked_at.is_(None))
    )
    teammates = db.session.scalar(
        select(func.count(User.id)).where(User.account_id == account.id, User.id != actor.id)
    )
    workspaces = db.session.scalar(
        select(func.count(Workspace.id)).where(Workspace.account_id == account.id)
    )
    return IndieEffects(
        active_keys=keys or 0,
        teammates=teammates or 0,
        pending_invitations=len(list_pending_invitations(account)),
        workspaces=workspaces or 0,
    )
