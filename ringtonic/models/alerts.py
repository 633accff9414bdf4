"""E-mail alert preferences per user and workspace, and the log of alerts sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ringtonic.extensions import db
from ringtonic.models.types import UTCDateTime, utcnow

ALERT_KINDS = ("missed_call", "voicemail", "first_time_caller", "blocked_spike")
DELIVERY_STATUSES = ("pending", "sent", "failed")


class AlertPreference(db.Model):
    """Which e-mail alerts one user wants from one workspace."""

    __tablename__ = "alert_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id", name="uq_alert_preferences_user_workspace"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    missed_call: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail: Mapped[bool] = mapped_column(Boolean, default=False)
    first_time_caller: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_spike: Mapped[bool] = mapped_column(Boolean, default=False)
    # Calls before this moment never alert: turning alerts on does not mail the past.
    active_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def wants(self, kind: str) -> bool:
        """Return whether this user chose alerts of `kind`."""
        return bool(getattr(self, kind))


class AlertDelivery(db.Model):
    """One alert for one user about one subject (a call, or an hour of blocked calls)."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        # The same alert is written once, whatever retries or workers run at once.
        UniqueConstraint("user_id", "kind", "subject", name="uq_alert_deliveries_user_subject"),
        Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),
        # Queueing skips calls already alerted; deleting a call finds its alerts.
        Index("ix_alert_deliveries_call", "call_id", "user_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # The call's UUID, or "<workspace uuid>@<hour>" for a blocked-call spike.
    subject: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecordingSettings(db.Model):
    """A workspace's recording retention; no row means recordings are kept forever."""

    __tablename__ = "recording_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    # None keeps recordings forever.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
