"""The account's team: who is in it, their roles, removing people, and the team's audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ringtonic.extensions import db
from ringtonic.models import ROLES, Account, AuditEvent, User
from ringtonic.models.account import new_session_token
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.sign_ins import close_all_sign_ins
from ringtonic.services.audit import record_event
from ringtonic.services.errors import Conflict, NotFound, ValidationError
from ringtonic.services.public_ids import parse_public_id
from ringtonic.services.signals import member_removed, member_role_changed

TEAM_ACTIONS = (
    "invitation.sent",
    "invitation.accepted",
    "invitation.revoked",
    "member.role_changed",
    "member.removed",
)
RECENT_EVENTS_LIMIT = 50


def check_role(raw: str, field: str = "role") -> str:
    """Return the role name or raise ValidationError."""
    role = (raw or "").strip().lower()
    if role not in ROLES:
        raise ValidationError(f"Choose a role: {', '.join(ROLES)}.", field)
    return role


def list_members(account: Account) -> list[User]:
    """Return the account's current (not removed) users, in the order they joined."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.account_id == account.id, User.removed_at.is_(None))
            .order_by(User.created_at, User.id)
        )
    )


def get_member(account: Account, user_uuid: str | uuid.UUID) -> User:
    """Return the account's current user with this uuid or raise NotFound."""
    wanted = parse_public_id(user_uuid, "Teammate not found.")
    user: User | None = db.session.scalar(
        select(User).where(
            User.account_id == account.id, User.uuid == wanted, User.removed_at.is_(None)
        )
    )
    if user is None:
        raise NotFound("Teammate not found.")
    return user


def _lock_team(account: Account) -> None:
    # Two admins demoting or removing each other at once must not leave no admin at all.
    # PostgreSQL: the account row lock makes such changes take turns. SQLite ignores FOR
    # UPDATE, but there the change is flushed before the check below, and that first write
    # takes the database's single write lock, so the check sees every committed change.
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())


def _ensure_an_admin_remains(account: Account, message: str) -> None:
    admins = db.session.scalar(
        select(func.count(User.id)).where(
            User.account_id == account.id, User.role == "admin", User.removed_at.is_(None)
        )
    )
    if not admins:
        raise Conflict(message)


@dataclass(frozen=True)
class RoleChange:
    """What a role change did: whether the role changed, and keys it made read-only."""

    changed: bool
    keys_made_read_only: int = 0


def change_role(
    account: Account, member: User, role: str, actor: User | None, ip: str | None
) -> RoleChange:
    """Give a teammate another role; the last admin stays admin."""
    new_role = check_role(role)
    if member.role == new_role:
        return RoleChange(changed=False)
    _lock_team(account)
    previous = member.role
    member.role = new_role
    db.session.flush()
    _ensure_an_admin_remains(
        account,
        f"{member.email} is the only admin. Make another teammate an admin first.",
    )
    results = member_role_changed.send(member, actor=actor, previous=previous, role=new_role, ip=ip)
    made_read_only = sum(count or 0 for _receiver, count in results)
    record_event(
        actor,
        "member.role_changed",
        account_id=account.id,
        target=member.email,
        ip=ip,
        details={
            "from": previous,
            "to": new_role,
            "keys_made_read_only": made_read_only,
        },
    )
    return RoleChange(changed=True, keys_made_read_only=made_read_only)


def remove_member(
    account: Account,
    member: User,
    actor: User | None,
    ip: str | None,
    revoke_keys: bool = True,
) -> None:
    """Remove a teammate: their sessions end now; `member_removed` lets keys follow suit."""
    _lock_team(account)
    member.removed_at = utcnow()
    # A new token invalidates every session cookie that carries the old one.
    member.session_token = new_session_token()
    close_all_sign_ins(member)
    db.session.flush()
    _ensure_an_admin_remains(
        account,
        f"{member.email} is the only admin and cannot be removed. "
        "Make another teammate an admin first.",
    )
    record_event(
        actor,
        "member.removed",
        account_id=account.id,
        target=member.email,
        ip=ip,
        details={"role": member.role, "revoke_keys": revoke_keys},
    )
    member_removed.send(member, actor=actor, revoke_keys=revoke_keys, ip=ip)


def recent_team_events(account: Account, limit: int = RECENT_EVENTS_LIMIT) -> list[AuditEvent]:
    """Return the account's latest invitation and membership events, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.account_id == account.id, AuditEvent.action.in_(TEAM_ACTIONS))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
