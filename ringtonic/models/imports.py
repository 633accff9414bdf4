"""CallImport: one CSV import into a workspace, so a half-written import can be undone."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from ringtonic.extensions import db
from ringtonic.models.types import UTCDateTime, utcnow

# running: writing its calls; rolling_back: deleting them (after a failure, a cut-off or on
# request); completed and rolled_back are final.
IMPORT_STATUSES = ("running", "completed", "rolling_back", "rolled_back")
# A workspace's import slot: at most one import in these states at a time.
ACTIVE_STATUSES = ("running", "rolling_back")
_ACTIVE = text("status IN ('running', 'rolling_back')")


class CallImport(db.Model):
    """A CSV import: who ran it, its file, where it got to; its calls carry its id."""

    __tablename__ = "call_imports"
    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'completed', 'rolling_back', 'rolled_back')",
            name="status",
        ),
        # One import per workspace at a time: a second one fails on this index.
        Index(
            "uq_call_imports_workspace_active",
            "workspace_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_call_imports_workspace_created", "workspace_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="running")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # Why it was rolled back, in words a user can act on.
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved on after every batch: an active import that stops moving was cut off.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
