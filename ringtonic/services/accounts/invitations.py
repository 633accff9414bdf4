"""Invitations: single-use links, stored only as SHA-256, that let a person join a team."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ringtonic.extensions import db
from ringtonic.models import Account, Invitation, User
from ringtonic.models.account import new_session_token
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.accounts import normalize_email
from ringtonic.services.accounts.passwords import check_password_rules, hash_password
from ringtonic.services.accounts.team import check_role
from ringtonic.services.audit import record_event
from ringtonic.services.errors import Conflict, NotFound, PlanRequired, ServiceError
from ringtonic.services.public_ids import parse_public_id

INVITATION_LIFETIME = timedelta(days=7)
# Longer than any token we issue, shorter than anything worth hashing.
TOKEN_MAX_LENGTH = 100


class InvitationUnavailable(ServiceError):
    """The link cannot be used; `reason` is unknown, expired, used, revoked, registered or plan."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _used() -> InvitationUnavailable:
    return InvitationUnavailable(
        "used", "This invitation has already been used. Sign in with your email instead."
    )


def _registered(invitation: Invitation) -> InvitationUnavailable:
    return InvitationUnavailable(
        "registered",
        f"{invitation.email} already has a Ring Tonic sign-in. Sign in with it instead.",
    )


def _find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _check_email_can_join(account: Account, email: str) -> None:
    user = _find_user(email)
    if user is None:
        return
    if user.account_id != account.id:
        # Said to no one: an admin must not learn that an address uses another account.
        # Such an invitation cannot be accepted (see accept_invitation); it expires unused.
        return
    if user.removed_at is None:
        raise Conflict(f"{email} is already on this team.", "email")
    # A former teammate of this account: accepting brings their user back.


def _revoke(invitation: Invitation, actor: User | None, ip: str | None, reason: str) -> None:
    invitation.revoked_at = utcnow()
    invitation.revoked_by_id = actor.id if actor else None
    record_event(
        actor,
        "invitation.revoked",
        account_id=invitation.account_id,
        target=invitation.email,
        ip=ip,
        details={"role": invitation.role, "reason": reason},
    )


def create_invitation(
    account: Account, email: str, role: str, actor: User | None, ip: str | None
) -> tuple[Invitation, str]:
    """Invite an email to the team; return the invitation and its token (never stored)."""
    if not account.is_agency:
        raise PlanRequired("The Indie plan has one user. Upgrade to Agency to invite teammates.")
    normalized = normalize_email(email)
    clean_role = check_role(role)
    _check_email_can_join(account, normalized)
    # The link is shown once; an admin who lost it invites again, and the old link dies.
    for earlier in list_pending_invitations(account):
        if earlier.email == normalized:
            _revoke(earlier, actor, ip, "replaced")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        account_id=account.id,
        email=normalized,
        role=clean_role,
        token_digest=token_digest(token),
        invited_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    record_event(
        actor,
        "invitation.sent",
        account_id=account.id,
        target=normalized,
        ip=ip,
        details={"role": clean_role},
    )
    return invitation, token


def list_pending_invitations(account: Account) -> list[Invitation]:
    """Return the account's invitations whose links still work, oldest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.invited_by))
            .where(
                Invitation.account_id == account.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at, Invitation.id)
        )
    )


def get_invitation(account: Account, invitation_uuid: str | uuid.UUID) -> Invitation:
    """Return the account's invitation with this uuid or raise NotFound."""
    wanted = parse_public_id(invitation_uuid, "Invitation not found.")
    invitation: Invitation | None = db.session.scalar(
        select(Invitation).where(Invitation.account_id == account.id, Invitation.uuid == wanted)
    )
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation


def revoke_invitation(invitation: Invitation, actor: User | None, ip: str | None) -> None:
    """Make a pending invitation's link stop working."""
    if not invitation.is_pending(utcnow()):
        raise Conflict("This invitation was already accepted, revoked or has expired.")
    _revoke(invitation, actor, ip, "revoked")


def open_invitation(token: str) -> Invitation:
    """Return the pending invitation for a token, or raise InvitationUnavailable saying why."""
    invitation: Invitation | None = None
    if token and len(token) <= TOKEN_MAX_LENGTH:
        invitation = db.session.scalar(
            select(Invitation)
            .options(joinedload(Invitation.account))
            .where(Invitation.token_digest == token_digest(token))
        )
    if invitation is None:
        raise InvitationUnavailable(
            "unknown",
            "This invitation link is not valid. Check that you copied all of it, "
            "or ask your admin for a new one.",
        )
    if invitation.revoked_at is not None:
        raise InvitationUnavailable(
            "revoked", "This invitation was withdrawn. Ask your admin for a new one."
        )
    if invitation.accepted_at is not None:
        raise _used()
    if utcnow() >= invitation.expires_at:
        raise InvitationUnavailable(
            "expired",
            "This invitation has expired (links work for 7 days). Ask your admin for a new one.",
        )
    _check_plan(invitation)
    # Whether the email already has a sign-in is only checked after the password's bcrypt
    # work in accept_invitation: opening a link must not tell anyone that.
    return invitation


def _check_still_joinable(invitation: Invitation) -> None:
    _check_plan(invitation)
    user = _find_user(invitation.email)
    if user is not None and (user.account_id != invitation.account_id or user.removed_at is None):
        raise _registered(invitation)


def _check_plan(invitation: Invitation) -> None:
    if not invitation.account.is_agency:
        raise InvitationUnavailable(
            "plan",
            f"{invitation.account.name} is on the Indie plan, which has one user. "
            "Ask your admin to switch to Agency.",
        )


def _claim(invitation: Invitation) -> None:
    # A conditional UPDATE: of two simultaneous acceptances only one changes the row.
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .values(accepted_at=utcnow())
        ),
    )
    if claimed.rowcount != 1:
        raise _used()


def _add_user(invitation: Invitation, password_hash: str) -> User:
    user = User(
        account_id=invitation.account_id,
        email=invitation.email,
        password_hash=password_hash,
        role=invitation.role,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        # Someone registered this email a moment ago.
        raise _registered(invitation) from None
    return user


def accept_invitation(token: str, password: str, ip: str | None) -> User:
    """Join the inviting account with a new password; return the user to sign in."""
    invitation = open_invitation(token)
    check_password_rules(password)
    # Hash before the first write: bcrypt is slow and SQLite's write lock is shared.
    password_hash = hash_password(password)
    _claim(invitation)
    # Inside the write, after the same bcrypt work whatever the answer: an email that
    # already signs in (here or to another account) cannot take a new password this way.
    _check_still_joinable(invitation)
    user = _find_user(invitation.email)
    rejoined = user is not None
    if user is None:
        user = _add_user(invitation, password_hash)
    else:
        user.removed_at = None
        user.session_token = new_session_token()
        user.password_hash = password_hash
        user.role = invitation.role
    user.last_login_at = utcnow()
    db.session.flush()
    invitation.accepted_user_id = user.id
    record_event(
        user,
        "invitation.accepted",
        account_id=invitation.account_id,
        target=invitation.email,
        ip=ip,
        details={"role": invitation.role, "rejoined": rejoined},
    )
    return user
