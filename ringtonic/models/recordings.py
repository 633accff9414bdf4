"""Recordings of calls and voicemails that Twilio made, and their copy in our own storage."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringtonic.extensions import db
from ringtonic.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from ringtonic.models.telephony import Call

RECORDING_KINDS = ("call", "voicemail")
TRANSCRIPT_STATUSES = ("", "in-progress", "completed", "failed")


class CallRecording(db.Model):
    """One recording of a call (Dial, both parties) or a voicemail (Record), by Twilio SID."""

    __tablename__ = "call_recordings"
    __table_args__ = (
        CheckConstraint("kind IN ('call', 'voicemail')", name="kind"),
        CheckConstraint("duration_seconds >= 0", name="duration"),
        Index("ix_call_recordings_call", "call_id"),
        Index("ix_call_recordings_workspace_created", "workspace_id", "created_at"),
        # The copy job picks recordings still waiting for their copy, soonest first.
        Index(
            "ix_call_recordings_copy_due",
            "next_copy_at",
            sqlite_where=text("copied_at IS NULL AND next_copy_at IS NOT NULL"),
            postgresql_where=text("copied_at IS NULL AND next_copy_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    # Twilio's RecordingSid (RE + 32 hex): callbacks repeat, the SID makes them one row.
    provider_recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="call")
    media_url: Mapped[str] = mapped_column(String(500), default="")
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    channels: Mapped[int] = mapped_column(Integer, default=1)
    # Twilio's RecordingStatus: in-progress, completed, absent or failed.
    provider_status: Mapped[str] = mapped_column(String(16), default="")
    transcript: Mapped[str | None] = mapped_column(Text)
    transcript_status: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The copy in our own storage (see services/recordings).
    storage_key: Mapped[str | None] = mapped_column(String(500))
    copied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    copy_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_copy_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_copy_error: Mapped[str] = mapped_column(String(500), default="")
    deleted_from_provider_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
