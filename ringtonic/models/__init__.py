"""Typed SQLAlchemy models, one module per aggregate."""

from ringtonic.models.account import PLANS, ROLES, Account, User, Workspace
from ringtonic.models.api_key import ABILITIES, ApiKey
from ringtonic.models.audit import AuditEvent
from ringtonic.models.credentials import TelephonyCredentials
from ringtonic.models.imports import IMPORT_STATUSES, CallImport
from ringtonic.models.invitation import Invitation
from ringtonic.models.rate_limit import RateLimitCounter
from ringtonic.models.rollups import (
    CallPlace,
    CallPlaceRollup,
    CallSourceRollup,
    CallTimeRollup,
)
from ringtonic.models.sign_in import SignInSession
from ringtonic.models.telephony import (
    CALL_STATUSES,
    CAMPAIGN_TYPES,
    LEAD_STATUSES,
    Call,
    Campaign,
    PhoneNumber,
)
from ringtonic.models.webhook import (
    WEBHOOK_EVENT_TYPES,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from ringtonic.models.website import NumberLease, VisitorSession, WebsiteSettings

__all__ = [
    "ABILITIES",
    "CALL_STATUSES",
    "IMPORT_STATUSES",
    "CAMPAIGN_TYPES",
    "LEAD_STATUSES",
    "PLANS",
    "ROLES",
    "Account",
    "ApiKey",
    "AuditEvent",
    "Call",
    "CallImport",
    "CallPlace",
    "CallPlaceRollup",
    "CallSourceRollup",
    "CallTimeRollup",
    "Campaign",
    "Invitation",
    "PhoneNumber",
    "RateLimitCounter",
    "SignInSession",
    "TelephonyCredentials",
    "NumberLease",
    "User",
    "VisitorSession",
    "WEBHOOK_EVENT_TYPES",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebsiteSettings",
    "Workspace",
]
