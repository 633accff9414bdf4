"""TelephonyCredentials: a workspace's Twilio account, with its auth token encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ringtonic.extensions import db
from ringtonic.models.types import UTCDateTime, utcnow


class TelephonyCredentials(db.Model):
    """The Twilio Account SID and encrypted Auth Token that sign a workspace's webhooks."""

    __tablename__ = "telephony_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), unique=True)
    account_sid: Mapped[str] = mapped_column(String(34))
    # Fernet ciphertext; the key is derived from SECRET_KEY, never stored.
    auth_token_encrypted: Mapped[str] = mapped_column(Text)
    # The last four characters, so people can tell which token is saved.
    token_hint: Mapped[str] = mapped_column(String(4))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
