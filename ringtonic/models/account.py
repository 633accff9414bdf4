"""Account (the paying customer), its users and its workspaces."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ringtonic.extensions import db
from ringtonic.models.types import UTCDateTime, name_key_column, utcnow
from ringtonic.text import name_key

PLANS = ("indie", "agency")
ROLES = ("admin", "manager", "member")


class Account(db.Model):
    """An agency or indie operator; owns users and workspaces and has one plan."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("plan IN ('indie', 'agency')", name="plan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120))
    plan: Mapped[str] = mapped_column(String(16), default="indie")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="account", order_by="User.id")
    workspaces: Mapped[list[Workspace]] = relationship(
        back_populates="account", order_by="Workspace.id"
    )

    @property
    def is_agency(self) -> bool:
        return self.plan == "agency"


def new_session_token() -> str:
    """Return a random token that ties browser sessions to the user's current credentials."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person who signs in; belongs to exactly one account."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'manager', 'member')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # Stored lower-cased so the unique index makes emails unique case-insensitively everywhere.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(16), default="member")
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Removed teammates keep their row: audit events and API keys still name them.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(back_populates="users")

    def get_id(self) -> str:
        """Identify the session by uuid and token, so a password change ends other sessions."""
        return f"{self.uuid}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses to sign in inactive users: removed teammates are inactive."""
        return self.removed_at is None


class Workspace(db.Model):
    """One client business of an account; every call, number and key lives in one."""

    __tablename__ = "workspaces"
    __table_args__ = (
        UniqueConstraint("account_id", "name", name="uq_workspaces_account_name"),
        # "Ärzte Köln" and "ÄRZTE KÖLN" are one name: unique by comparison form, on any database.
        Index("uq_workspaces_account_name_key", "account_id", "name_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = name_key_column()
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="workspaces")

    @validates("name")
    def _keep_name_key(self, _attribute: str, value: str) -> str:
        self.name_key = name_key(value)
        return value
