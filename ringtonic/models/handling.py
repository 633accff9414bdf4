"""How calls are handled before they ring: blocked numbers, their log, and campaign call flows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringtonic.extensions import db
from ringtonic.models.account import User
from ringtonic.models.types import UTCDateTime, utcnow

BLOCK_REASONS = ("spam", "harassment", "wrong_number", "telemarketer", "competitor", "other")
BLOCK_REASON_LABELS = {
    "spam": "Spam or robocall",
    "harassment": "Harassment",
    "wrong_number": "Wrong number",
    "telemarketer": "Telemarketer",
    "competitor": "Competitor",
    "other": "Other",
}
AFTER_HOURS_ACTIONS = ("forward", "voicemail")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_CONSENT_TEXT = "This call may be recorded for quality and training purposes."
DEFAULT_GATE_PROMPT = "Thanks for calling. Press 1 to be connected."
DEFAULT_VOICEMAIL_GREETING = (
    "Sorry, nobody can take your call right now. Please leave a message after the tone."
)


class BlockedNumber(db.Model):
    """A caller refused before anything rings: in one workspace, or (no workspace) account-wide."""

    __tablename__ = "blocked_numbers"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('spam', 'harassment', 'wrong_number', 'telemarketer', 'competitor', "
            "'other')",
            name="reason",
        ),
        # One entry per number per list; NULL workspace ids never collide, hence two indexes.
        Index(
            "uq_blocked_numbers_workspace_number",
            "workspace_id",
            "number",
            unique=True,
            sqlite_where=text("workspace_id IS NOT NULL"),
            postgresql_where=text("workspace_id IS NOT NULL"),
        ),
        Index(
            "uq_blocked_numbers_account_number",
            "account_id",
            "number",
            unique=True,
            sqlite_where=text("workspace_id IS NULL"),
            postgresql_where=text("workspace_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id"))
    number: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(16), default="spam")
    note: Mapped[str] = mapped_column(String(200), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    added_by: Mapped[User | None] = relationship()

    @property
    def scope(self) -> str:
        return "workspace" if self.workspace_id is not None else "account"


class BlockedCall(db.Model):
    """A call refused because its caller was blocked; kept 90 days, never in reports."""

    __tablename__ = "blocked_calls"
    __table_args__ = (
        # Twilio retries the voice webhook; the CallSid makes the retry a no-op.
        Index("uq_blocked_calls_workspace_sid", "workspace_id", "provider_call_id", unique=True),
        Index("ix_blocked_calls_workspace_attempted", "workspace_id", "attempted_at", "id"),
        # The purge deletes by age across every workspace.
        Index("ix_blocked_calls_attempted", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    phone_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="SET NULL")
    )
    blocked_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("blocked_numbers.id", ondelete="SET NULL")
    )
    caller_number: Mapped[str] = mapped_column(String(16))
    tracking_number: Mapped[str] = mapped_column(String(16))
    provider_call_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16), default="workspace")
    reason: Mapped[str] = mapped_column(String(16), default="spam")
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallFlow(db.Model):
    """What a campaign's calls go through before (and instead of) ringing the business."""

    __tablename__ = "call_flows"
    __table_args__ = (
        CheckConstraint(
            "after_hours_action IN ('forward', 'voicemail')", name="after_hours_action"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), unique=True
    )
    gate_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    gate_prompt: Mapped[str] = mapped_column(String(300), default=DEFAULT_GATE_PROMPT)
    hours_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"mon": [["09:00", "17:00"]], ...}: open intervals per weekday, in the workspace's zone.
    weekly_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    # ["2026-12-25", ...]: whole local days closed whatever the weekday says.
    closed_days: Mapped[list] = mapped_column(JSON, default=list)
    after_hours_action: Mapped[str] = mapped_column(String(16), default="voicemail")
    after_hours_number: Mapped[str] = mapped_column(String(16), default="")
    whisper_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Empty: "Call from <campaign name>".
    whisper_text: Mapped[str] = mapped_column(String(300), default="")
    recording_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_text: Mapped[str] = mapped_column(String(300), default=DEFAULT_CONSENT_TEXT)
    voicemail_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail_greeting: Mapped[str] = mapped_column(Text, default=DEFAULT_VOICEMAIL_GREETING)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
