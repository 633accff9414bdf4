"""PasswordReset: a single-use, short-lived link to choose a new password, sent by e-mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringtonic.extensions import db
from ringtonic.models.account import User
from ringtonic.models.types import UTCDateTime, utcnow


class PasswordReset(db.Model):
    """A request to reset a user's password; only the token's SHA-256 is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()
