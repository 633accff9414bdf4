"""The outbox: events written with their cause, then handed to workers after the commit.

`emit(workspace, type, call, changes=None)` adds the event and one pending delivery per
subscribed, enabled endpoint to the current transaction; nothing is sent unless that
transaction commits. After the commit the endpoints are enqueued for delivery; if the
process dies first, or the queue is unreachable, `enqueue_due_deliveries` (run by every
worker at start, every 15 s and each minute) finds the due rows and enqueues them.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

import orjson
from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ringtonic.extensions import db
from ringtonic.models import (
    Account,
    Call,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    Workspace,
)
from ringtonic.models.types import utcnow
from ringtonic.services.calls.documents import call_document
from ringtonic.services.reporting.periods import iso_utc

log = logging.getLogger(__name__)

_ENQUEUE = "webhooks.enqueue_endpoints"
DELIVER_TASK = "webhooks.deliver_endpoint"


def envelope(
    event_id: uuid.UUID,
    event_type: str,
    created_at: datetime,
    workspace: Workspace,
    data: dict[str, Any],
    changes: list[dict[str, Any]] | None = None,
) -> bytes:
    """Return the JSON body of an event: id, type, created_at, workspace, data (+ changes)."""
    document: dict[str, object] = {
        "id": f"evt_{event_id.hex}",
        "type": event_type,
        "created_at": iso_utc(created_at),
        "workspace": {"uuid": str(workspace.uuid), "name": workspace.name},
        "data": data,
    }
    if changes is not None:
        document["changes"] = changes
    return orjson.dumps(document)


def pending_deliveries() -> int:
    """Return how many deliveries wait for a first success or a final failure (all workspaces)."""
    waiting = select(func.count()).where(WebhookDelivery.state == "pending")
    return db.session.scalar(waiting) or 0


def subscribed_endpoints(workspace: Workspace, event_type: str) -> list[WebhookEndpoint]:
    """Return the workspace's enabled endpoints that asked for `event_type` (Agency plan)."""
    # One statement on every ingest: the plan is checked in it, not by loading the account.
    endpoints = db.session.scalars(
        select(WebhookEndpoint)
        .join(Workspace, Workspace.id == WebhookEndpoint.workspace_id)
        .join(Account, Account.id == Workspace.account_id)
        .where(
            WebhookEndpoint.workspace_id == workspace.id,
            WebhookEndpoint.enabled.is_(True),
            Account.plan == "agency",
        )
    )
    return [endpoint for endpoint in endpoints if event_type in endpoint.events]


def add_event(
    workspace: Workspace,
    event_type: str,
    body_of,
    endpoints: list[WebhookEndpoint],
    now: datetime,
    is_test: bool = False,
) -> WebhookEvent:
    """Add an event whose body is `body_of(event_uuid)` and a delivery to each endpoint."""
    event_uuid = uuid.uuid4()
    row = WebhookEvent(
        uuid=event_uuid,
        workspace_id=workspace.id,
        type=event_type,
        body=body_of(event_uuid).decode("utf-8"),
        is_test=is_test,
        created_at=now,
    )
    db.session.add(row)
    for endpoint in endpoints:
        queue_delivery(endpoint, row, now)
    return row


def queue_delivery(
    endpoint: WebhookEndpoint, row: WebhookEvent, now: datetime, replay_of: int | None = None
) -> WebhookDelivery:
    """Add a pending delivery of `row` to `endpoint`, due now, enqueued after the commit."""
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event=row,
        state="pending",
        next_attempt_at=now,
        created_at=now,
        replay_of_id=replay_of,
    )
    db.session.add(delivery)
    db.session.info.setdefault(_ENQUEUE, set()).add(endpoint.uuid)
    return delivery


def emit(
    workspace: Workspace,
    event_type: str,
    call: Call | None,
    changes: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> WebhookEvent | None:
    """Write a call event to the outbox in the current transaction (None: nobody listens).

    `changes` (call.updated) lists {"field", "old", "new"} with API-style values; `data`
    replaces the call's API document (call.blocked: the refused attempt). The caller
    commits; the event is delivered only if that commit happens.
    """
    endpoints = subscribed_endpoints(workspace, event_type)
    if not endpoints:
        return None
    now = now or utcnow()
    if data is None:
        if call is None:
            raise ValueError("an event without data needs a call")
        db.session.flush()  # the call's defaults (uuid, updated_at) are what the API shows
        data = call_document(call)
    return add_event(
        workspace,
        event_type,
        lambda event_uuid: envelope(event_uuid, event_type, now, workspace, data, changes),
        endpoints,
        now,
    )


def install(session) -> None:
    """Enqueue the endpoints of committed deliveries; forget them on rollback."""
    for name, listener in (("after_commit", _enqueue_committed), ("after_rollback", _forget)):
        if not event.contains(session, name, listener):
            event.listen(session, name, listener)


def _forget(session: Session) -> None:
    session.info.pop(_ENQUEUE, None)


def _enqueue_committed(session: Session) -> None:
    endpoint_uuids = session.info.pop(_ENQUEUE, None)
    if endpoint_uuids:
        enqueue_endpoints(endpoint_uuids)


def enqueue_endpoints(endpoint_uuids) -> None:
    """Ask a worker to deliver what is due to each endpoint (the sweep retries failures)."""
    from ringtonic.background import enqueue

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app, for threads
    for endpoint_uuid in sorted(endpoint_uuids):
        try:
            enqueue(app, DELIVER_TASK, str(endpoint_uuid))
        except Exception:
            # The rows are committed: the next sweep enqueues them. Never fail the request.
            log.warning("webhooks: could not enqueue endpoint %s; the sweep will", endpoint_uuid)


def enqueue_due_deliveries(now: datetime) -> int:
    """Enqueue every enabled endpoint with a delivery due and no live lease; return how many."""
    due = db.session.scalars(
        select(WebhookEndpoint.uuid)
        .join(WebhookDelivery, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .where(
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.enabled.is_(True),
            (WebhookEndpoint.lease_until.is_(None)) | (WebhookEndpoint.lease_until < now),
        )
        .distinct()
    ).all()
    if due:
        enqueue_endpoints(due)
    return len(due)
