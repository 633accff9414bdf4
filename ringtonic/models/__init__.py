"""Typed SQLAlchemy models, one module per aggregate."""

from ringtonic.models.account import PLANS, ROLES, Account, User, Workspace
from ringtonic.models.alerts import (
    ALERT_KINDS,
    AlertDelivery,
    AlertPreference,
    RecordingSettings,
)
from ringtonic.models.api_key import ABILITIES, ApiKey
from ringtonic.models.audit import AuditEvent
from ringtonic.models.credentials import TelephonyCredentials
from ringtonic.models.data_version import WorkspaceDataVersion
from ringtonic.models.handling import BLOCK_REASONS, BlockedCall, BlockedNumber, CallFlow
from ringtonic.models.imports import IMPORT_STATUSES, CallImport
from ringtonic.models.invitation import Invitation
from ringtonic.models.key_generation import ApiKeyGeneration
from ringtonic.models.password_reset import PasswordReset
from ringtonic.models.rate_limit import RateLimitCounter
from ringtonic.models.recordings import RECORDING_KINDS, CallRecording
from ringtonic.models.rollups import (
    CallPlaceRollup,
    CallSourceRollup,
    CallTimeRollup,
    NumberedPlace,
)
from ringtonic.models.sign_in import SignInSession
from ringtonic.models.telephony import (
    CALL_STATUSES,
    CAMPAIGN_TYPES,
    LEAD_STATUSES,
    SPAM_GATE_FAILED,
    STORED_CALL_STATUSES,
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
    "ApiKeyGeneration",
    "ABILITIES",
    "ALERT_KINDS",
    "BLOCK_REASONS",
    "RECORDING_KINDS",
    "SPAM_GATE_FAILED",
    "STORED_CALL_STATUSES",
    "BlockedCall",
    "BlockedNumber",
    "CallFlow",
    "CallRecording",
    "CALL_STATUSES",
    "IMPORT_STATUSES",
    "CAMPAIGN_TYPES",
    "LEAD_STATUSES",
    "PLANS",
    "ROLES",
    "Account",
    "AlertDelivery",
    "AlertPreference",
    "ApiKey",
    "AuditEvent",
    "Call",
    "CallImport",
    "NumberedPlace",
    "CallPlaceRollup",
    "CallSourceRollup",
    "CallTimeRollup",
    "Campaign",
    "Invitation",
    "PasswordReset",
    "PhoneNumber",
    "RateLimitCounter",
    "RecordingSettings",
    "SignInSession",
    "TelephonyCredentials",
    "NumberLease",
    "User",
    "VisitorSession",
    "WEBHOOK_EVENT_TYPES",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkspaceDataVersion",
    "WebhookEvent",
    "WebsiteSettings",
    "Workspace",
]
