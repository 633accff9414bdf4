"""Server-side sign-in sessions: opened at sign-in, ended at sign-out, expired when idle."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from ringtonic.extensions import db
from ringtonic.models import SignInSession, User
from ringtonic.models.types import utcnow

# last_seen_at is written at most this often per session, so pages are not all writes.
TOUCH_INTERVAL = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_sign_in(user: User, now: datetime | None = None) -> str:
    """Record a new sign-in for `user` and return its token (for the session cookie only)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        SignInSession(
            user_id=user.id, token_digest=_digest(token), created_at=now, last_seen_at=now
        )
    )
    return token


def current_sign_in(
    user_id: int, token: object, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> SignInSession | None:
    """Return the user's live sign-in with this token, or None if it ended or expired."""
    if not token or not isinstance(token, str):
        return None
    now = now or utcnow()
    row: SignInSession | None = db.session.scalar(
        select(SignInSession).where(
            SignInSession.token_digest == _digest(token), SignInSession.user_id == user_id
        )
    )
    if row is None or row.last_seen_at <= now - idle or row.created_at <= now - lifetime:
        return None
    return row


def note_activity(row: SignInSession, now: datetime | None = None) -> bool:
    """Move the sign-in's idle clock on unless that was done within TOUCH_INTERVAL."""
    now = now or utcnow()
    if row.last_seen_at > now - TOUCH_INTERVAL:
        return False
    # Its own short transaction: a page that only reads must not depend on a view's commit.
    with db.engine.begin() as conn:
        conn.execute(
            update(SignInSession)
            .where(SignInSession.id == row.id, SignInSession.last_seen_at < now - TOUCH_INTERVAL)
            .values(last_seen_at=now)
        )
    return True


def close_sign_in(token: str | None) -> None:
    """End one sign-in: its cookie, and every copy of it, stops working."""
    if token and isinstance(token, str):
        db.session.execute(
            delete(SignInSession).where(SignInSession.token_digest == _digest(token))
        )


def close_all_sign_ins(user: User) -> None:
    """End every sign-in of `user` (password changed or reset, or the person was removed)."""
    db.session.execute(delete(SignInSession).where(SignInSession.user_id == user.id))


def forget_expired_sign_ins(
    user: User, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> None:
    """Delete the user's sign-ins that can no longer be used, so the table stays small."""
    now = now or utcnow()
    db.session.execute(
        delete(SignInSession).where(
            SignInSession.user_id == user.id,
            or_(
                SignInSession.last_seen_at <= now - idle,
                SignInSession.created_at <= now - lifetime,
            ),
        )
    )
