"""Campaigns, tracking numbers and the calls that come in through them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ringtonic.extensions import db
from ringtonic.models.types import UTCDateTime, name_key_column, utcnow
from ringtonic.text import name_key

if TYPE_CHECKING:
    from ringtonic.models.website import VisitorSession

CAMPAIGN_TYPES = ("static", "website")
CALL_STATUSES = ("ringing", "in-progress", "answered", "missed", "busy", "failed", "voicemail")
# A caller who did not press the key of a campaign's press-1 gate: stored, listed, never
# counted in reports (not one of CALL_STATUSES, which the rollups keep counters for).
SPAM_GATE_FAILED = "spam_gate_failed"
STORED_CALL_STATUSES = (*CALL_STATUSES, SPAM_GATE_FAILED)
LEAD_STATUSES = ("new", "contacted", "qualified", "won", "lost", "unqualified")


class Campaign(db.Model):
    """A group of tracking numbers published in one place (a GBP listing, a website)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("type IN ('static', 'website')", name="type"),
        Index("ix_campaigns_workspace_id_id", "workspace_id", "id"),
        # Newest-first API pages and their keyset cursors.
        Index("ix_campaigns_workspace_created", "workspace_id", "created_at", "id"),
        # One name per workspace, compared by NFKC case-folded form (see ringtonic/text.py).
        Index("uq_campaigns_workspace_name_key", "workspace_id", "name_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = name_key_column()
    type: Mapped[str] = mapped_column(String(16), default="static")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status(self) -> str:
        return "archived" if self.archived_at else "active"

    @validates("name")
    def _keep_name_key(self, _attribute: str, value: str) -> str:
        self.name_key = name_key(value)
        return value


class PhoneNumber(db.Model):
    """A tracking number (E.164) that forwards to the client's real line."""

    __tablename__ = "phone_numbers"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number", name="uq_phone_numbers_workspace_number"),
        # Newest-first API pages and their keyset cursors.
        Index("ix_phone_numbers_workspace_created", "workspace_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    number: Mapped[str] = mapped_column(String(16))
    friendly_name: Mapped[str] = mapped_column(String(100), default="")
    forwarding_number: Mapped[str] = mapped_column(String(16))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    source: Mapped[str] = mapped_column(String(100), default="")
    medium: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign | None] = relationship()


class Call(db.Model):
    """One inbound call to a tracking number, with where the caller was."""

    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint(
            "status IN ('ringing', 'in-progress', 'answered', 'missed', 'busy', 'failed', "
            "'voicemail', 'spam_gate_failed')",
            name="status",
        ),
        CheckConstraint(
            "lead_status IS NULL OR lead_status IN "
            "('new', 'contacted', 'qualified', 'won', 'lost', 'unqualified')",
            name="lead_status",
        ),
        CheckConstraint("duration_seconds >= 0", name="duration"),
        # Twilio retries a webhook; the CallSid makes the second delivery a no-op.
        UniqueConstraint("workspace_id", "provider_call_id", name="uq_calls_workspace_provider"),
        # Re-importing a file adds nothing: rows are keyed by the source's own id.
        UniqueConstraint("workspace_id", "external_id", name="uq_calls_workspace_external"),
        # Newest-first lists and keyset cursors: (started_at, id) within a workspace.
        Index("ix_calls_workspace_started", "workspace_id", "started_at", "id"),
        Index("ix_calls_workspace_campaign_started", "workspace_id", "campaign_id", "started_at"),
        Index("ix_calls_workspace_number_started", "workspace_id", "phone_number_id", "started_at"),
        # first_call looks for an earlier call from the same caller.
        Index("ix_calls_workspace_caller", "workspace_id", "caller_number", "started_at"),
        # Rolling an import back finds its calls; calls from Twilio have none and cost nothing.
        Index(
            "ix_calls_import",
            "import_id",
            sqlite_where=text("import_id IS NOT NULL"),
            postgresql_where=text("import_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    phone_number_id: Mapped[int | None] = mapped_column(ForeignKey("phone_numbers.id"))
    tracking_number: Mapped[str] = mapped_column(String(16))
    caller_number: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="ringing")
    # Which of Twilio's legs decided status and duration: "", "caller" or "dial"
    # (see services/calls/ingest.py); a later report from a lesser leg cannot undo it.
    outcome_source: Mapped[str] = mapped_column(String(8), default="")
    first_call: Mapped[bool] = mapped_column(Boolean, default=False)
    # Marked as spam (by hand, or its caller blocked from the call page): out of reports.
    spam: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the campaign's call flow has taken the call (services/handling/flows.py):
    # "" forwarded as it is, "gate" waiting for the key, then "connecting", "voicemail"...
    flow_stage: Mapped[str] = mapped_column(String(16), default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    medium: Mapped[str] = mapped_column(String(100), default="")
    caller_city: Mapped[str] = mapped_column(String(100), default="")
    caller_state: Mapped[str] = mapped_column(String(50), default="")
    caller_zip: Mapped[str] = mapped_column(String(20), default="")
    caller_country: Mapped[str] = mapped_column(String(2), default="")
    provider_call_id: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(100))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("call_imports.id"))
    # The website visit that held this (pool) number when the call rang.
    visitor_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("visitor_sessions.id"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    lead_status: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign | None] = relationship()
    phone_number: Mapped[PhoneNumber | None] = relationship()
    visitor_session: Mapped[VisitorSession | None] = relationship()
