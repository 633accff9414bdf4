"""Delivery: one worker per endpoint at a time sends its due events in order, and retries.

Retries back off exponentially with jitter for about 24 hours on network errors,
timeouts, 408, 429 (honouring Retry-After) and 5xx; any other answer but 2xx is final.
An endpoint that fails 50 times in a row over at least a day is switched off.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from flask import current_app
from sqlalchemy import select, update

from ringtonic.extensions import db
from ringtonic.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ringtonic.models.types import utcnow
from ringtonic.services.webhooks.addresses import UnresolvableHost, UnsafeAddress, resolve
from ringtonic.services.webhooks.endpoints import signing_secrets
from ringtonic.services.webhooks.signing import signature_headers
from ringtonic.services.webhooks.transport import Response, post

log = logging.getLogger(__name__)

RETRY_WINDOW = timedelta(hours=24)
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 3600
JITTER = 0.2
AUTO_DISABLE_FAILURES = 50
AUTO_DISABLE_AFTER = timedelta(days=1)
RETRYABLE_STATUSES = frozenset({408, 429})
USER_AGENT = "Ringtonic-Webhooks/1"
# A task sends at most this many, then hands the rest to a fresh task (others get a turn).
BATCH = 500


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """Return the wait after failed attempt number `attempt` (1-based), with jitter."""
    base = min(FIRST_DELAY_SECONDS * 2 ** (attempt - 1), MAX_DELAY_SECONDS)
    return base * (1 + (rng or random).uniform(-JITTER, JITTER))


def retry_after_seconds(raw: str | None, now: datetime) -> float | None:
    """Return the wait a Retry-After header asks for (seconds or an HTTP date), if valid."""
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(min(int(raw), MAX_DELAY_SECONDS))
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, min((when - now).total_seconds(), MAX_DELAY_SECONDS))


def is_retryable(response: Response) -> bool:
    """Return whether a failed attempt should be tried again."""
    status = response.status
    return status is None or status in RETRYABLE_STATUSES or status >= 500


def _lease_seconds() -> int:
    return int(current_app.config["RINGTONIC_WEBHOOK_TIMEOUT"]) + 15


def _take_lease(endpoint_uuid, now: datetime) -> bool:
    taken = db.session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.uuid == endpoint_uuid,
            WebhookEndpoint.enabled.is_(True),
            (WebhookEndpoint.lease_until.is_(None)) | (WebhookEndpoint.lease_until < now),
        )
        .values(lease_until=now + timedelta(seconds=_lease_seconds()))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def _release_lease(endpoint_uuid) -> None:
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.uuid == endpoint_uuid)
        .values(lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _next_due(endpoint_uuid, now: datetime) -> WebhookDelivery | None:
    return db.session.scalar(
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .where(
            WebhookEndpoint.uuid == endpoint_uuid,
            WebhookEndpoint.enabled.is_(True),
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
    )


def deliver_endpoint(endpoint_uuid: str) -> int:
    """Task: send everything due to one endpoint; return how many attempts were made."""
    return deliver_due(endpoint_uuid, utcnow)


def deliver_due(endpoint_uuid, clock: Callable[[], datetime] = utcnow) -> int:
    """Send the endpoint's due deliveries in order while holding its lease."""
    import uuid as uuid_module

    key = uuid_module.UUID(str(endpoint_uuid))
    sent = 0
    while _take_lease(key, clock()):
        try:
            while sent < BATCH:
                delivery = _next_due(key, clock())
                if delivery is None:
                    break
                attempt(delivery, clock())
                sent += 1
                db.session.execute(
                    update(WebhookEndpoint)
                    .where(WebhookEndpoint.uuid == key)
                    .values(lease_until=clock() + timedelta(seconds=_lease_seconds()))
                    .execution_options(synchronize_session=False)
                )
                db.session.commit()
        finally:
            db.session.rollback()
            _release_lease(key)
        if sent >= BATCH:
            from ringtonic.services.webhooks.outbox import enqueue_endpoints

            enqueue_endpoints([key])
            return sent
        # A delivery committed while the lease was held found it taken: look once more.
        if _next_due(key, clock()) is None:
            db.session.commit()
            return sent
    return sent


def attempt(delivery: WebhookDelivery, now: datetime) -> WebhookAttempt:
    """Make the delivery's next attempt and record it (the caller commits)."""
    endpoint, event = delivery.endpoint, delivery.event
    config = current_app.config
    number = delivery.attempts + 1
    body = event.body.encode("utf-8")
    secrets = signing_secrets(endpoint, config["SECRET_KEY"], now)
    url = endpoint.url
    db.session.commit()  # no transaction stays open while the receiver thinks
    if not endpoint.workspace.account.is_agency:
        return _record(
            delivery,
            number,
            now,
            Response(None, "", None, 0, "Agency plan required"),
            final=True,
            counts=False,
        )
    if not secrets:
        response = Response(None, "", None, 0, "signing secret unreadable: rotate it")
        return _record(delivery, number, now, response, final=True)
    try:
        target = resolve(url, bool(config["RINGTONIC_WEBHOOK_ALLOW_PRIVATE"]))
    except UnsafeAddress as error:
        return _record(
            delivery, number, now, Response(None, "", None, 0, str(error)[:200]), final=True
        )
    except UnresolvableHost as error:
        return _record(delivery, number, now, Response(None, "", None, 0, str(error)[:200]))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Ringtonic-Event-Id": event.public_id,
        **signature_headers(body, secrets, int(now.timestamp())),
    }
    response = post(target, body, headers, float(config["RINGTONIC_WEBHOOK_TIMEOUT"]))
    if response.status is not None and 200 <= response.status < 300:
        return _record(delivery, number, now, response, succeeded=True)
    return _record(delivery, number, now, response, final=not is_retryable(response))


def _record(
    delivery: WebhookDelivery,
    number: int,
    started: datetime,
    response: Response,
    *,
    succeeded: bool = False,
    final: bool = False,
    counts: bool = True,
) -> WebhookAttempt:
    finished = started + timedelta(milliseconds=response.latency_ms)
    next_at = None
    if not succeeded and not final:
        deadline = delivery.created_at + RETRY_WINDOW
        wait = backoff_seconds(number)
        if response.status == 429:
            wait = retry_after_seconds(response.retry_after, finished) or wait
        if finished >= deadline:
            final = True
        else:
            next_at = min(finished + timedelta(seconds=wait), deadline)
    delivery.attempts = number
    delivery.next_attempt_at = next_at
    if succeeded or final:
        delivery.state = "succeeded" if succeeded else "failed"
        delivery.finished_at = finished
    row = WebhookAttempt(
        delivery=delivery,
        number=number,
        started_at=started,
        status_code=response.status,
        latency_ms=response.latency_ms,
        response_excerpt=response.excerpt,
        error=response.error,
        next_attempt_at=next_at,
    )
    db.session.add(row)
    if counts:
        _count(delivery.endpoint, succeeded, finished)
    return row


def _count(endpoint: WebhookEndpoint, succeeded: bool, now: datetime) -> None:
    """Keep the endpoint's failure streak; switch it off after a day of nothing but failures."""
    if succeeded:
        endpoint.failure_streak, endpoint.failing_since = 0, None
        return
    endpoint.failure_streak += 1
    endpoint.failing_since = endpoint.failing_since or now
    if (
        endpoint.failure_streak >= AUTO_DISABLE_FAILURES
        and now - endpoint.failing_since >= AUTO_DISABLE_AFTER
    ):
        endpoint.enabled = False
        endpoint.disabled_reason, endpoint.disabled_at = "failing", now
        log.warning(
            "webhooks: endpoint %s switched off after %d failures in a row",
            endpoint.uuid,
            endpoint.failure_streak,
        )
