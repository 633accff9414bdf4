"""A workspace's report data version: bumped in the same transaction as every report input."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ringtonic.extensions import db
from ringtonic.models.types import UTCDateTime, utcnow


class WorkspaceDataVersion(db.Model):
    """How many times a workspace's report inputs changed, and when they last did."""

    __tablename__ = "workspace_data_versions"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
