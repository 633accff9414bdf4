"""Typed SQLAlchemy models, one module per aggregate."""

from ringtonic.models.account import PLANS, ROLES, Account, User, Workspace
from ringtonic.models.audit import AuditEvent
from ringtonic.models.credentials import TelephonyCredentials
from ringtonic.models.telephony import (
    CALL_STATUSES,
    CAMPAIGN_TYPES,
    LEAD_STATUSES,
    Call,
    Campaign,
    PhoneNumber,
)

__all__ = [
    "CALL_STATUSES",
    "CAMPAIGN_TYPES",
    "LEAD_STATUSES",
    "PLANS",
    "ROLES",
    "Account",
    "AuditEvent",
    "Call",
    "Campaign",
    "PhoneNumber",
    "TelephonyCredentials",
    "User",
    "Workspace",
]
