"""Endpoints of a workspace: create, change, enable/disable, rotate the signing secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import WEBHOOK_EVENT_TYPES, User, WebhookEndpoint, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.audit import record_event
from ringtonic.services.errors import NotFound, PlanRequired, ValidationError
from ringtonic.services.webhooks.addresses import check_url
from ringtonic.services.webhooks.signing import (
    encrypt_secret,
    new_secret,
    secret_hint,
)

PLAN_MESSAGE = "Webhooks come with the Agency plan."
DESCRIPTION_MAX = 200
# Hours the previous secret keeps signing after a rotation.
GRACE_CHOICES = (0, 1, 24, 72)
ENDPOINTS_MAX = 20


@dataclass(frozen=True)
class CreatedSecret:
    """An endpoint and its new signing secret, which is shown this once."""

    endpoint: WebhookEndpoint
    secret: str


def _require_agency(workspace: Workspace) -> None:
    if not workspace.account.is_agency:
        raise PlanRequired(PLAN_MESSAGE)


def check_events(raw: list[str]) -> list[str]:
    """Return the chosen event types in their documented order, or raise ValidationError."""
    chosen = set(raw or [])
    unknown = chosen - set(WEBHOOK_EVENT_TYPES)
    if unknown:
        raise ValidationError(f"Unknown event type {sorted(unknown)[0]!r}.", "events")
    if not chosen:
        raise ValidationError("Choose at least one event.", "events")
    return [name for name in WEBHOOK_EVENT_TYPES if name in chosen]


def _check_description(raw: str | None) -> str:
    text = (raw or "").strip()
    if len(text) > DESCRIPTION_MAX or any(ord(ch) < 32 for ch in text):
        raise ValidationError(
            f"The description must be one line of at most {DESCRIPTION_MAX} characters.",
            "description",
        )
    return text


def list_endpoints(workspace: Workspace) -> list[WebhookEndpoint]:
    """Return the workspace's endpoints, oldest first."""
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.workspace_id == workspace.id)
            .order_by(WebhookEndpoint.id)
        )
    )


def auto_disabled_endpoints(workspace: Workspace) -> list[WebhookEndpoint]:
    """Return the workspace's endpoints switched off because they kept failing."""
    return [e for e in list_endpoints(workspace) if e.disabled_reason == "failing"]


def get_endpoint(workspace: Workspace, endpoint_uuid: str | uuid.UUID) -> WebhookEndpoint:
    """Return the workspace's endpoint with this uuid, or raise NotFound."""
    try:
        key = endpoint_uuid if isinstance(endpoint_uuid, uuid.UUID) else uuid.UUID(endpoint_uuid)
    except ValueError:
        raise NotFound("No such webhook endpoint.") from None
    endpoint: WebhookEndpoint | None = db.session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.workspace_id == workspace.id, WebhookEndpoint.uuid == key
        )
    )
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def create_endpoint(
    workspace: Workspace,
    actor: User | None,
    url: str,
    events: list[str],
    description: str,
    *,
    allow_http: bool,
    secret_key: str,
    ip: str | None = None,
) -> CreatedSecret:
    """Add an endpoint (Agency plan) and return it with its secret, shown once."""
    _require_agency(workspace)
    if len(list_endpoints(workspace)) >= ENDPOINTS_MAX:
        raise ValidationError(f"A workspace can have at most {ENDPOINTS_MAX} endpoints.", "url")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        workspace_id=workspace.id,
        url=check_url(url, allow_http),
        events=check_events(events),
        description=_check_description(description),
        secret_encrypted=encrypt_secret(secret, secret_key),
        secret_hint=secret_hint(secret),
    )
    db.session.add(endpoint)
    record_event(
        actor,
        "webhook.created",
        account_id=workspace.account_id,
        target=endpoint.url,
        ip=ip,
        workspace=workspace,
    )
    db.session.flush()
    return CreatedSecret(endpoint, secret)


def update_endpoint(
    endpoint: WebhookEndpoint, url: str, events: list[str], description: str, *, allow_http: bool
) -> WebhookEndpoint:
    """Change an endpoint's URL, events and description; all of them, or none if one is bad."""
    cleaned = (check_url(url, allow_http), check_events(events), _check_description(description))
    endpoint.url, endpoint.events, endpoint.description = cleaned
    return endpoint


def set_enabled(endpoint: WebhookEndpoint, enabled: bool, now: datetime | None = None) -> None:
    """Switch an endpoint on (its failure streak starts over) or off."""
    if enabled:
        _require_agency(endpoint.workspace)
        endpoint.enabled = True
        endpoint.failure_streak, endpoint.failing_since = 0, None
        endpoint.disabled_reason, endpoint.disabled_at = "", None
    else:
        endpoint.enabled = False
        endpoint.disabled_reason, endpoint.disabled_at = "by_user", now or utcnow()


def rotate_secret(
    endpoint: WebhookEndpoint, grace_hours: int, secret_key: str, now: datetime | None = None
) -> CreatedSecret:
    """Give the endpoint a new secret; the old one also signs for `grace_hours` hours."""
    if grace_hours not in GRACE_CHOICES:
        raise ValidationError("Choose how long the old secret keeps working.", "grace_hours")
    now = now or utcnow()
    secret = new_secret()
    if grace_hours:
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = now + timedelta(hours=grace_hours)
    else:
        endpoint.previous_secret_encrypted = endpoint.previous_secret_expires_at = None
    endpoint.secret_encrypted = encrypt_secret(secret, secret_key)
    endpoint.secret_hint = secret_hint(secret)
    return CreatedSecret(endpoint, secret)
