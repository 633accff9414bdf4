"""Typed SQLAlchemy models, one module per aggregate."""

from ringtonic.models.account import PLANS, ROLES, Account, User, Workspace
from ringtonic.models.audit import AuditEvent

__all__ = ["PLANS", "ROLES", "Account", "AuditEvent", "User", "Workspace"]
