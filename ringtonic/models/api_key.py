"""ApiKey: a workspace's credential for the REST API, stored only as a digest and a hint."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringtonic.extensions import db
from ringtonic.models.account import User, Workspace
from ringtonic.models.types import UTCDateTime, utcnow

ABILITIES = ("read", "write")


def access_level(abilities: list[str]) -> str:
    """Return "read_write" or "read": the access level a key with `abilities` was made with."""
    return "read_write" if "write" in abilities else "read"


class ApiKey(db.Model):
    """One API key of a workspace; the key itself is never stored, only its SHA-256."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    abilities: Mapped[list] = mapped_column(JSON, default=lambda: ["read"])
    # Hex SHA-256 of the whole key; the unique index makes authentication one lookup.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    last_used_user_agent: Mapped[str | None] = mapped_column(String(256))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    workspace: Mapped[Workspace] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def access(self) -> str:
        """Return "read_write" or "read": the access level chosen when the key was made."""
        return access_level(self.abilities)

    def can(self, ability: str) -> bool:
        """Return whether the key was granted `ability`."""
        return ability in self.abilities
