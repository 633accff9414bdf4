"""What an admin does by hand: send a test event, replay deliveries, read the log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ringtonic.extensions import db
from ringtonic.models import (
    WEBHOOK_EVENT_TYPES,
    Call,
    Campaign,
    PhoneNumber,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from ringtonic.models.types import utcnow
from ringtonic.services.calls.documents import call_document
from ringtonic.services.errors import NotFound, PlanRequired, ValidationError
from ringtonic.services.webhooks.endpoints import PLAN_MESSAGE
from ringtonic.services.webhooks.outbox import add_event, envelope, queue_delivery

RECENT_LIMIT = 50
REPLAY_MAX = 1000


def _usable(endpoint: WebhookEndpoint) -> None:
    if not endpoint.workspace.account.is_agency:
        raise PlanRequired(PLAN_MESSAGE)
    if not endpoint.enabled:
        raise ValidationError("Switch the endpoint on first.", "endpoint")


def _sample_call(endpoint: WebhookEndpoint, now: datetime) -> dict[str, Any]:
    """Return the workspace's latest call as the API shows it, or a realistic made-up one."""
    latest = db.session.scalar(
        select(Call)
        .where(Call.workspace_id == endpoint.workspace_id)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(1)
    )
    if latest is not None:
        return call_document(latest)
    # Never added to the session: a call shaped exactly like a stored one.
    campaign = Campaign(uuid=uuid.uuid4(), name="Google Business Profile")
    number = PhoneNumber(uuid=uuid.uuid4(), number="+15125550111", friendly_name="GBP listing")
    started = (now - timedelta(minutes=5)).replace(microsecond=0)
    sample = Call(
        uuid=uuid.uuid4(),
        started_at=started,
        duration_seconds=184,
        status="answered",
        first_call=True,
        caller_number="+15125550123",
        caller_city="Austin",
        caller_state="TX",
        caller_zip="78701",
        caller_country="US",
        source="Google Business Profile",
        medium="organic",
        tracking_number=number.number,
        provider_call_id="CA" + uuid.uuid4().hex,
        note="",
        tags=[],
        created_at=started,
        updated_at=now.replace(microsecond=0),
    )
    sample.phone_number, sample.campaign = number, campaign
    document = call_document(sample)
    return document


def send_test(
    endpoint: WebhookEndpoint, event_type: str, now: datetime | None = None
) -> WebhookEvent:
    """Queue a test event of `event_type` (marked test) to this endpoint only."""
    _usable(endpoint)
    if event_type not in WEBHOOK_EVENT_TYPES:
        raise ValidationError("Choose an event type.", "event_type")
    now = now or utcnow()
    data = _sample_call(endpoint, now)
    changes = None
    if event_type == "call.updated":
        changes = [{"field": "lead_status", "old": None, "new": "won"}]
    workspace = endpoint.workspace
    return add_event(
        workspace,
        event_type,
        lambda event_uuid: envelope(event_uuid, event_type, now, workspace, data, changes),
        [endpoint],
        now,
        is_test=True,
    )


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = RECENT_LIMIT) -> list[Any]:
    """Return the endpoint's latest deliveries, newest first, with event and attempts."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .options(selectinload(WebhookDelivery.event), selectinload(WebhookDelivery.attempt_log))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def get_delivery(endpoint: WebhookEndpoint, delivery_uuid: str) -> WebhookDelivery:
    """Return the endpoint's delivery with this uuid, or raise NotFound."""
    try:
        key = uuid.UUID(delivery_uuid)
    except ValueError:
        raise NotFound("No such delivery.") from None
    delivery: WebhookDelivery | None = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.uuid == key
        )
    )
    if delivery is None:
        raise NotFound("No such delivery.")
    return delivery


def replay_delivery(
    endpoint: WebhookEndpoint, delivery_uuid: str, now: datetime | None = None
) -> WebhookDelivery:
    """Send a delivery's event again (same event id) as a new delivery."""
    _usable(endpoint)
    original = get_delivery(endpoint, delivery_uuid)
    return queue_delivery(endpoint, original.event, now or utcnow(), replay_of=original.id)


def replay_failed_since(
    endpoint: WebhookEndpoint, since: datetime, now: datetime | None = None
) -> int:
    """Send again every event whose delivery to this endpoint failed since `since`."""
    _usable(endpoint)
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    failed = db.session.scalars(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.state == "failed",
            WebhookDelivery.created_at >= since,
        )
        .order_by(WebhookDelivery.id)
        .limit(REPLAY_MAX)
    ).all()
    now = now or utcnow()
    for delivery in failed:
        queue_delivery(endpoint, delivery.event, now, replay_of=delivery.id)
    return len(failed)
