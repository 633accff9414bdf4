"""Webhook jobs: the delivery task, the sweep, and the enqueue after a committed outbox write.

Services never read the app's config; these wrappers build DeliverySettings from it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ringtonic.background import enqueue
from ringtonic.services.webhooks.delivery import BATCH, DeliverySettings, deliver_due
from ringtonic.services.webhooks.outbox import PENDING_ENDPOINTS, due_endpoints

log = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.deliver_endpoint"


def delivery_settings() -> DeliverySettings:
    """Return what sending needs from this app's configuration."""
    config = current_app.config
    return DeliverySettings(
        timeout=float(config["RINGTONIC_WEBHOOK_TIMEOUT"]),
        secret_key=config["SECRET_KEY"],
        allow_private=bool(config["RINGTONIC_WEBHOOK_ALLOW_PRIVATE"]),
    )


def deliver_endpoint(endpoint_uuid: str) -> int:
    """Task: send everything due to one endpoint; hand a long backlog to a fresh task."""
    sent = deliver_due(endpoint_uuid, delivery_settings())
    if sent >= BATCH:
        # Other endpoints' tasks get a turn before the rest of this backlog.
        enqueue_endpoints([endpoint_uuid])
    return sent


def enqueue_endpoints(endpoint_uuids) -> None:
    """Ask a worker to deliver what is due to each endpoint (the sweep retries failures)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app, for threads
    for endpoint_uuid in sorted(str(each) for each in endpoint_uuids):
        try:
            enqueue(app, DELIVER_TASK, endpoint_uuid)
        except Exception:
            # The rows are committed: the next sweep enqueues them. Never fail the request.
            log.warning("webhooks: could not enqueue endpoint %s; the sweep will", endpoint_uuid)


def enqueue_due_deliveries(now: datetime) -> int:
    """Periodic job: enqueue every endpoint with a delivery due and no live lease."""
    due = due_endpoints(now)
    if due:
        enqueue_endpoints(due)
    return len(due)


def install(session) -> None:
    """Enqueue the endpoints of committed outbox rows; forget them on rollback."""
    for name, listener in (("after_commit", _enqueue_committed), ("after_rollback", _forget)):
        if not event.contains(session, name, listener):
            event.listen(session, name, listener)


def _forget(session: Session) -> None:
    session.info.pop(PENDING_ENDPOINTS, None)


def _enqueue_committed(session: Session) -> None:
    endpoint_uuids = session.info.pop(PENDING_ENDPOINTS, None)
    if endpoint_uuids:
        enqueue_endpoints(endpoint_uuids)
