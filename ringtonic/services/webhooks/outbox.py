"""The outbox: events written with their cause, then handed to workers after the commit.

`emit(workspace, type, call, changes=None)` adds the event and one pending delivery per
subscribed, enabled endpoint to the current transaction; nothing is sent unless that
transaction commits. The endpoints to wake are noted in the session's `info` under
PENDING_ENDPOINTS; ringtonic.background enqueues them after the commit. If the process dies
first, or the queue is unreachable, `due_endpoints` (swept by every worker at start, every
15 s and each minute) finds the due rows again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, func, insert, select

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

# session.info key: uuids of endpoints with deliveries added in the open transaction.
PENDING_ENDPOINTS = "webhooks.enqueue_endpoints"


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


@dataclass(frozen=True)
class Subscriber:
    """An endpoint that listens for an event: what writing its delivery needs."""

    id: int
    uuid: uuid.UUID


# Built once per process: statement construction is a visible share of each ingest.
_SUBSCRIBERS = (
    select(WebhookEndpoint.id, WebhookEndpoint.uuid, WebhookEndpoint.events)
    .join(Workspace, Workspace.id == WebhookEndpoint.workspace_id)
    .join(Account, Account.id == Workspace.account_id)
    .where(
        WebhookEndpoint.workspace_id == bindparam("workspace_id"),
        WebhookEndpoint.enabled.is_(True),
        Account.plan == "agency",
    )
)
_EVENTS = WebhookEvent.__table__
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_DELIVERY = insert(WebhookDelivery.__table__)


def subscribed_endpoints(workspace: Workspace, event_type: str) -> list[Subscriber]:
    """Return the workspace's enabled endpoints that asked for `event_type` (Agency plan)."""
    # One statement on every ingest: the plan is checked in it, not by loading the account.
    rows = db.session.execute(_SUBSCRIBERS, {"workspace_id": workspace.id})
    return [Subscriber(id_, key) for id_, key, events in rows if event_type in events]


def add_event(
    workspace: Workspace,
    event_type: str,
    body_of: Callable[[uuid.UUID], bytes],
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
    db.session.info.setdefault(PENDING_ENDPOINTS, set()).add(endpoint.uuid)
    return delivery


def emit(
    workspace: Workspace,
    event_type: str,
    call: Call | None,
    changes: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> uuid.UUID | None:
    """Write a call event to the outbox in the current transaction; return its uuid.

    None: nobody listens. `changes` (call.updated) lists {"field", "old", "new"} with
    API-style values; `data` replaces the call's API document (call.blocked: the refused
    attempt). The caller commits; the event is delivered only if that commit happens.
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
    event_uuid = uuid.uuid4()
    body = envelope(event_uuid, event_type, now, workspace, data, changes)
    # Core inserts: on every ingest, no ORM objects to track, flush or expire.
    event_id = db.session.execute(
        _INSERT_EVENT,
        {"uuid": event_uuid, "workspace_id": workspace.id, "type": event_type,
         "body": body.decode("utf-8"), "is_test": False, "created_at": now},
    ).scalar_one()  # fmt: skip
    db.session.execute(
        _INSERT_DELIVERY,
        [
            {"uuid": uuid.uuid4(), "endpoint_id": endpoint.id, "event_id": event_id,
             "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
            for endpoint in endpoints
        ],
    )  # fmt: skip
    db.session.info.setdefault(PENDING_ENDPOINTS, set()).update(e.uuid for e in endpoints)
    return event_uuid


def due_endpoints(now: datetime) -> list[uuid.UUID]:
    """Return every enabled endpoint with a delivery due and no live lease."""
    return list(
        db.session.scalars(
            select(WebhookEndpoint.uuid)
            .join(WebhookDelivery, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
            .where(
                WebhookDelivery.state == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.enabled.is_(True),
                (WebhookEndpoint.lease_until.is_(None)) | (WebhookEndpoint.lease_until < now),
            )
            .distinct()
        )
    )
