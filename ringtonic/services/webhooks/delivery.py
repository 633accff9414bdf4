"""Delivery: one worker per endpoint at a time sends its due events in order, and retries.

Retries back off exponentially with jitter for about 24 hours on network errors,
timeouts, 408, 429 (honouring Retry-After) and 5xx; any other answer but 2xx is final.
An endpoint that fails 50 times in a row over at least a day is switched off.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, func, insert, select, update

from ringtonic.extensions import db
from ringtonic.models import (
    Account,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    Workspace,
)
from ringtonic.models.types import utcnow
from ringtonic.observability.metrics import record_delivery
from ringtonic.services.webhooks.addresses import UnresolvableHost, UnsafeAddress, resolve
from ringtonic.services.webhooks.signing import decrypt_secret, signature_headers
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
# Due rows read per query, and outcomes kept before one write (or after WRITE_SECONDS).
CLAIM = 50
WRITE_EVERY = 25
WRITE_SECONDS = 1.0


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """Return the wait after failed attempt number `attempt` (1-based), with jitter."""
    base: float = min(FIRST_DELAY_SECONDS * 2 ** (attempt - 1), MAX_DELAY_SECONDS)
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


@dataclass(frozen=True)
class DeliverySettings:
    """What sending needs from the app's configuration (built by the background job)."""

    timeout: float
    secret_key: str
    allow_private: bool

    @property
    def lease(self) -> timedelta:
        """Return how long a worker holds an endpoint: one request's timeout and a margin."""
        return timedelta(seconds=int(self.timeout) + 15)


def _take_lease(
    endpoint_uuid: uuid.UUID, now: datetime, settings: DeliverySettings
) -> datetime | None:
    """Return until when this worker holds the endpoint's lease, or None if another does."""
    until = now + settings.lease
    taken = _changed_rows(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.uuid == endpoint_uuid,
            WebhookEndpoint.enabled.is_(True),
            (WebhookEndpoint.lease_until.is_(None)) | (WebhookEndpoint.lease_until < now),
        )
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return until if taken == 1 else None


def _set_lease(endpoint_uuid: uuid.UUID, until: datetime | None) -> None:
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.uuid == endpoint_uuid)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Due:
    """A due delivery, read in one statement with what sending it needs."""

    id: int
    attempts: int
    created_at: datetime
    event_id: str
    body: str
    endpoint_id: int
    url: str
    secret_encrypted: str
    previous_secret_encrypted: str | None
    previous_secret_expires_at: datetime | None
    failure_streak: int
    plan: str


def _due_batch(endpoint_uuid: uuid.UUID, now: datetime, limit: int) -> list[Due]:
    """Return up to `limit` of the endpoint's due deliveries, oldest due first, in one query."""
    rows = db.session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookDelivery.created_at,
            WebhookEvent.uuid,
            WebhookEvent.body,
            WebhookEndpoint.id,
            WebhookEndpoint.url,
            WebhookEndpoint.secret_encrypted,
            WebhookEndpoint.previous_secret_encrypted,
            WebhookEndpoint.previous_secret_expires_at,
            WebhookEndpoint.failure_streak,
            Account.plan,
        )
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .join(WebhookEvent, WebhookDelivery.event_id == WebhookEvent.id)
        .join(Workspace, Workspace.id == WebhookEndpoint.workspace_id)
        .join(Account, Account.id == Workspace.account_id)
        .where(
            WebhookEndpoint.uuid == endpoint_uuid,
            WebhookEndpoint.enabled.is_(True),
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()
    found = []
    for row in rows:
        values = list(row)
        values[3] = f"evt_{values[3].hex}"
        found.append(Due(*values))
    return found


@dataclass(frozen=True)
class Outcome:
    """One attempt's result, kept in memory until the next write (see deliver_due)."""

    due: Due
    started: datetime
    response: Response
    succeeded: bool = False
    final: bool = False
    counts: bool = True
    # A failure earlier in this run made the streak read with the row out of date.
    reset_streak: bool = False


def deliver_due(
    endpoint_uuid: uuid.UUID | str,
    settings: DeliverySettings,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Send the endpoint's due deliveries in order while holding its lease; return attempts.

    Returns BATCH or more when it stopped to give other endpoints a turn: the caller then
    enqueues the endpoint again. Due rows are read CLAIM at a time in one query; outcomes
    are written WRITE_EVERY at a time (or after WRITE_SECONDS) in one short transaction, so
    no transaction stays open while a receiver thinks. A crash before a write means those
    events are sent again, with the same event id (at least once).
    """
    key = uuid.UUID(str(endpoint_uuid))
    sent = 0
    while (lease := _take_lease(key, clock(), settings)) is not None:
        try:
            sent, lease = _drain(key, settings, clock, sent, lease)
        finally:
            db.session.rollback()
            _set_lease(key, None)
            db.session.commit()
        if sent >= BATCH:
            return sent
        # A delivery committed while the lease was held found it taken: look once more.
        if not _due_batch(key, clock(), 1):
            db.session.commit()
            return sent
    return sent


def _drain(
    key: uuid.UUID,
    settings: DeliverySettings,
    clock: Callable[[], datetime],
    sent: int,
    lease: datetime,
) -> tuple[int, datetime]:
    """Send due deliveries until none is left or BATCH is reached; return (sent, lease)."""
    margin = settings.lease - timedelta(seconds=10)
    failed_here = False
    while sent < BATCH:
        batch = _due_batch(key, clock(), min(CLAIM, BATCH - sent))
        db.session.commit()  # the read ends before the first request
        if not batch:
            return sent, lease
        outcomes: list[Outcome] = []
        written = time.monotonic()
        for due in batch:
            if outcomes and (
                len(outcomes) >= WRITE_EVERY
                or not outcomes[-1].succeeded  # a failure may switch the endpoint off
                or time.monotonic() - written >= WRITE_SECONDS
                or clock() + margin >= lease
            ):
                lease = clock() + settings.lease
                if not _write(outcomes, key, lease):
                    return sent, lease
                written = time.monotonic()
            outcome = attempt(due, clock(), settings)
            if outcome.counts and not outcome.succeeded:
                failed_here = True
            elif outcome.succeeded and failed_here:
                outcome = replace(outcome, reset_streak=True)
            outcomes.append(outcome)
            sent += 1
        lease = clock() + settings.lease
        if not _write(outcomes, key, lease):
            return sent, lease
    return sent, lease


def _write(outcomes: list[Outcome], key: uuid.UUID, lease: datetime) -> bool:
    """Record the kept outcomes and renew the lease in one transaction; empty the list.

    Returns False when the endpoint was switched off meanwhile (by an admin, or by these
    very failures): the rest of the claimed rows then stay pending.
    """
    for outcome in outcomes:
        _record(outcome)
    still_on = _changed_rows(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.uuid == key, WebhookEndpoint.enabled.is_(True))
        .values(lease_until=lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    outcomes.clear()
    return still_on == 1


def _signing_secrets(due: Due, secret_key: str, now: datetime) -> list[str]:
    found = [decrypt_secret(due.secret_encrypted, secret_key)]
    expires = due.previous_secret_expires_at
    if due.previous_secret_encrypted and expires is not None and expires > now:
        found.append(decrypt_secret(due.previous_secret_encrypted, secret_key))
    return [secret for secret in found if secret]


def attempt(due: Due, now: datetime, settings: DeliverySettings) -> Outcome:
    """Make the delivery's next attempt and return its outcome (written later)."""
    if due.plan != "agency":
        response = Response(None, "", None, 0, "Agency plan required")
        return Outcome(due, now, response, final=True, counts=False)
    secrets = _signing_secrets(due, settings.secret_key, now)
    if not secrets:
        response = Response(None, "", None, 0, "signing secret unreadable: rotate it")
        return Outcome(due, now, response, final=True)
    try:
        target = resolve(due.url, settings.allow_private)
    except UnsafeAddress as error:
        return Outcome(due, now, Response(None, "", None, 0, str(error)[:200]), final=True)
    except UnresolvableHost as error:
        return Outcome(due, now, Response(None, "", None, 0, str(error)[:200]))
    body = due.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Ringtonic-Event-Id": due.event_id,
        **signature_headers(body, secrets, int(now.timestamp())),
    }
    response = post(target, body, headers, settings.timeout)
    if response.status is not None and 200 <= response.status < 300:
        return Outcome(due, now, response, succeeded=True)
    return Outcome(due, now, response, final=not is_retryable(response))


def _record(outcome: Outcome) -> None:
    """Write one attempt: the delivery's new state, the attempt log row, the streak."""
    due, started, response = outcome.due, outcome.started, outcome.response
    succeeded, final, counts = outcome.succeeded, outcome.final, outcome.counts
    number = due.attempts + 1
    finished = started + timedelta(milliseconds=response.latency_ms)
    next_at = None
    if not succeeded and not final:
        deadline = due.created_at + RETRY_WINDOW
        wait = backoff_seconds(number)
        if response.status == 429:
            wait = retry_after_seconds(response.retry_after, finished) or wait
        if finished >= deadline:
            final = True
        else:
            next_at = min(finished + timedelta(seconds=wait), deadline)
    record_delivery("webhooks", "succeeded" if succeeded else "failed" if final else "retrying")
    values: dict[str, Any] = {"attempts": number, "next_attempt_at": next_at}
    if succeeded or final:
        values.update(state="succeeded" if succeeded else "failed", finished_at=finished)
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == due.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        insert(WebhookAttempt).values(
            delivery_id=due.id,
            number=number,
            started_at=started,
            status_code=response.status,
            latency_ms=response.latency_ms,
            response_excerpt=response.excerpt,
            error=response.error,
            next_attempt_at=next_at,
        )
    )
    if counts and not (succeeded and due.failure_streak == 0 and not outcome.reset_streak):
        _count(due.endpoint_id, succeeded, finished)


def _count(endpoint_id: int, succeeded: bool, now: datetime) -> None:
    """Keep the endpoint's failure streak; switch it off after a day of nothing but failures."""
    endpoint = WebhookEndpoint
    if succeeded:
        db.session.execute(
            update(endpoint)
            .where(endpoint.id == endpoint_id, endpoint.failure_streak != 0)
            .values(failure_streak=0, failing_since=None)
            .execution_options(synchronize_session=False)
        )
        return
    db.session.execute(
        update(endpoint)
        .where(endpoint.id == endpoint_id)
        .values(
            failure_streak=endpoint.failure_streak + 1,
            failing_since=func.coalesce(endpoint.failing_since, now),
        )
        .execution_options(synchronize_session=False)
    )
    switched_off = _changed_rows(
        update(endpoint)
        .where(
            endpoint.id == endpoint_id,
            endpoint.enabled.is_(True),
            endpoint.failure_streak >= AUTO_DISABLE_FAILURES,
            endpoint.failing_since <= now - AUTO_DISABLE_AFTER,
        )
        .values(enabled=False, disabled_reason="failing", disabled_at=now)
        .execution_options(synchronize_session=False)
    )
    if switched_off:
        log.warning("webhooks: endpoint %s switched off after failing for a day", endpoint_id)


def _changed_rows(statement: Executable) -> int:
    """Execute an UPDATE in the current session and return how many rows it changed."""
    result = db.session.execute(statement)
    return cast(CursorResult[Any], result).rowcount
