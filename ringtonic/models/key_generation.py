"""An account's API key generation: bumped with every change a cached key could miss."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ringtonic.extensions import db


class ApiKeyGeneration(db.Model):
    """How many times the keys, workspaces or account of `account_id` changed."""

    __tablename__ = "api_key_generations"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
