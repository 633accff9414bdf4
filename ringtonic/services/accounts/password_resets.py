"""Forgotten passwords: single-use, hashed, short-lived links sent by e-mail."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import joinedload

from ringtonic.extensions import db
from ringtonic.models import PasswordReset, User
from ringtonic.models.account import new_session_token
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.accounts import find_user_by_email
from ringtonic.services.accounts.invitations import token_digest
from ringtonic.services.accounts.passwords import check_password_rules, hash_password
from ringtonic.services.accounts.sign_ins import close_all_sign_ins
from ringtonic.services.audit import record_event
from ringtonic.services.errors import ServiceError

RESET_LIFETIME = timedelta(minutes=30)
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 100
UNAVAILABLE = (
    "This password link does not work: it was already used, has expired (links work for "
    "30 minutes), or was not copied whole. Ask for a new one."
)


class ResetUnavailable(ServiceError):
    """The link is unknown, used or expired (one answer for all three)."""


def request_password_reset(email: str, ip: str | None) -> tuple[User, str] | None:
    """Make a reset link for the email's user; None when no active user has that email.

    The caller answers both cases alike. Earlier unused links of the user stop working:
    only the newest e-mail's link counts.
    """
    user = find_user_by_email(email)
    if user is None or user.removed_at is not None:
        return None
    now = utcnow()
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_digest=token_digest(token),
            created_at=now,
            expires_at=now + RESET_LIFETIME,
            requested_ip=ip[:45] if ip else None,
        )
    )
    record_event(
        None, "user.password_reset_requested", account_id=user.account_id, target=user.email, ip=ip
    )
    return user, token


def open_password_reset(token: str) -> PasswordReset:
    """Return the working reset for a token, or raise ResetUnavailable."""
    reset: PasswordReset | None = None
    if token and len(token) <= TOKEN_MAX_LENGTH:
        reset = db.session.scalar(
            select(PasswordReset)
            .options(joinedload(PasswordReset.user))
            .where(PasswordReset.token_digest == token_digest(token))
        )
    if (
        reset is None
        or reset.used_at is not None
        or utcnow() >= reset.expires_at
        or reset.user.removed_at is not None
    ):
        raise ResetUnavailable(UNAVAILABLE)
    return reset


def complete_password_reset(token: str, new_password: str, ip: str | None) -> User:
    """Set the new password and use up the link; every existing sign-in of the user ends."""
    reset = open_password_reset(token)
    check_password_rules(new_password)
    password_hash = hash_password(new_password)
    # A conditional UPDATE: of two simultaneous uses only one changes the row.
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(PasswordReset)
            .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
            .values(used_at=utcnow())
        ),
    )
    if claimed.rowcount != 1:
        raise ResetUnavailable(UNAVAILABLE)
    user = reset.user
    user.password_hash = password_hash
    user.session_token = new_session_token()
    close_all_sign_ins(user)
    record_event(
        user, "user.password_reset_by_email", account_id=user.account_id, target=user.email, ip=ip
    )
    return user
