"""Find calls worth an alert, write one durable row per alert, and e-mail them once.

Runs outside any webhook (a periodic job or `flask alerts send`): a Twilio webhook only
writes the call; the alert follows once the call's outcome has stopped changing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ringtonic.config import SmtpSettings
from ringtonic.extensions import db
from ringtonic.models import (
    AlertDelivery,
    AlertPreference,
    BlockedCall,
    Call,
    CallRecording,
    User,
    Workspace,
)
from ringtonic.services.accounts.mail import MailNotSent, send_mail
from ringtonic.services.alerts.messages import render_alert

log = logging.getLogger(__name__)

# Statuses that end a call; ringing and in-progress calls are not decided yet.
FINAL_STATUSES = ("answered", "missed", "busy", "failed", "voicemail")
MISSED_STATUSES = ("missed", "busy")
# An outcome unchanged this long is final: a no-answer can still turn into a voicemail.
SETTLE = timedelta(minutes=1)
# Twilio's transcription callback comes after the recording: a voicemail alert waits for
# it, but not for ever (transcription can be slow, or off).
TRANSCRIPT_WAIT = timedelta(minutes=10)
TRANSCRIPT_DONE = ("completed", "failed")
# This many blocked attempts on a workspace within an hour is a spike worth an e-mail.
SPIKE_THRESHOLD = 10
SPIKE_WINDOW = timedelta(hours=1)
# Calls older than this never alert (a server that was down does not mail last month).
LOOKBACK = timedelta(days=2)
# A claimed alert whose worker died is tried again after this.
CLAIM_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
BATCH = 200


@dataclass(frozen=True)
class AlertRun:
    """What one run did."""

    queued: int
    sent: int
    failed: int


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the given number of failed attempts (1, 2, 4 ... min)."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _due_calls(kind: str, now: datetime) -> ColumnElement[bool]:
    """Return the SQL condition for calls that are ready for an alert of `kind`."""
    settled = Call.updated_at <= now - SETTLE
    common = and_(
        Call.started_at >= AlertPreference.active_since,
        Call.started_at >= now - LOOKBACK,
        Call.import_id.is_(None),
        Call.status.in_(FINAL_STATUSES),
        settled,
    )
    if kind == "missed_call":
        return and_(common, Call.status.in_(MISSED_STATUSES))
    if kind == "voicemail":
        transcribed = (
            select(CallRecording.id)
            .where(
                CallRecording.call_id == Call.id,
                CallRecording.kind == "voicemail",
                CallRecording.transcript_status.in_(TRANSCRIPT_DONE),
            )
            .exists()
        )
        waited = Call.updated_at <= now - TRANSCRIPT_WAIT
        return and_(common, Call.status == "voicemail", or_(transcribed, waited))
    return and_(common, Call.first_call.is_(True))


def queue_alerts(now: datetime) -> int:
    """Write a pending row for every alert due at `now`; rows already written stay as they are."""
    queued = 0
    for kind in ("missed_call", "voicemail", "first_time_caller"):
        wanted = getattr(AlertPreference, kind)
        rows = db.session.execute(
            select(AlertPreference.user_id, Call.workspace_id, Call.id, Call.uuid)
            .join(Call, Call.workspace_id == AlertPreference.workspace_id)
            .join(User, User.id == AlertPreference.user_id)
            .join(Workspace, Workspace.id == AlertPreference.workspace_id)
            .where(
                wanted.is_(True),
                User.removed_at.is_(None),
                User.account_id == Workspace.account_id,
                _due_calls(kind, now),
                ~select(AlertDelivery.id)
                .where(
                    AlertDelivery.call_id == Call.id,
                    AlertDelivery.user_id == AlertPreference.user_id,
                    AlertDelivery.kind == kind,
                )
                .exists(),
            )
        ).all()
        queued += _insert(
            {
                "user_id": user_id,
                "workspace_id": workspace_id,
                "call_id": call_id,
                "kind": kind,
                "subject": str(call_uuid),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
            for user_id, workspace_id, call_id, call_uuid in rows
        )
    queued += _queue_spikes(now)
    db.session.commit()
    return queued


def spike_subject(workspace_uuid: object, now: datetime) -> str:
    """Return the subject of a blocked-call spike alert: one per workspace and hour."""
    return f"{workspace_uuid}@{now:%Y-%m-%dT%H}"


def _queue_spikes(now: datetime) -> int:
    """Queue a spike alert for each workspace with many blocked attempts in the last hour."""
    counts = (
        select(BlockedCall.workspace_id, func.count().label("attempts"))
        .where(BlockedCall.attempted_at > now - SPIKE_WINDOW, BlockedCall.attempted_at <= now)
        .group_by(BlockedCall.workspace_id)
        .having(func.count() >= SPIKE_THRESHOLD)
        .subquery()
    )
    rows = db.session.execute(
        select(AlertPreference.user_id, Workspace.id, Workspace.uuid)
        .join(counts, counts.c.workspace_id == AlertPreference.workspace_id)
        .join(Workspace, Workspace.id == AlertPreference.workspace_id)
        .join(User, User.id == AlertPreference.user_id)
        .where(
            AlertPreference.blocked_spike.is_(True),
            User.removed_at.is_(None),
            User.account_id == Workspace.account_id,
        )
    ).all()
    return _insert(
        {
            "user_id": user_id,
            "workspace_id": workspace_id,
            "call_id": None,
            "kind": "blocked_spike",
            "subject": spike_subject(workspace_uuid, now),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for user_id, workspace_id, workspace_uuid in rows
    )


def _insert(rows: Iterable[dict[str, Any]]) -> int:
    rows = list(rows)
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = AlertDelivery.__table__
    # Two workers may queue the same alert at once: the unique key keeps one.
    statement = (
        insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "subject"])
        .returning(table.c.id)
    )
    return len(db.session.execute(statement).all())


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take one due alert for this worker; False when another worker took it first."""
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(AlertDelivery)
            .where(
                AlertDelivery.id == delivery_id,
                AlertDelivery.status == "pending",
                AlertDelivery.next_attempt_at <= now,
            )
            .values(attempts=AlertDelivery.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        ),
    ).rowcount
    db.session.commit()
    return claimed == 1


def deliver_alerts(now: datetime, smtp: SmtpSettings, public_url: str | None) -> tuple[int, int]:
    """E-mail every due pending alert once; return (sent, failed for good)."""
    sent = failed = 0
    due = db.session.scalars(
        select(AlertDelivery.id)
        .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
        .limit(BATCH)
    ).all()
    for delivery_id in due:
        if not _claim(delivery_id, now):
            continue
        delivery = db.session.get(AlertDelivery, delivery_id)
        if delivery is None:  # deleted with its workspace or user since it was claimed
            continue
        user = db.session.get_one(User, delivery.user_id)
        call = db.session.get(Call, delivery.call_id) if delivery.call_id else None
        workspace = db.session.get_one(Workspace, delivery.workspace_id)
        try:
            subject, body = render_alert(delivery.kind, workspace, call, public_url, now)
            send_mail(smtp, user.email, subject, body)
        except MailNotSent as error:
            delivery.last_error = error.message[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
                failed += 1
            else:
                delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        else:
            delivery.status = "sent"
            delivery.sent_at = now
            delivery.last_error = ""
            sent += 1
        db.session.commit()
    return sent, failed


def send_pending_alerts(
    now: datetime, smtp: SmtpSettings | None, public_url: str | None = None
) -> AlertRun:
    """Queue the alerts due at `now` and e-mail them; safe to run again at any time.

    Commits as it goes (one short transaction per alert), so a crash loses nothing and a
    second run, or a second worker, never sends an alert twice.
    """
    if smtp is None:
        # No mail server: nothing is queued, so turning SMTP on later does not mail the past.
        return AlertRun(queued=0, sent=0, failed=0)
    queued = queue_alerts(now)
    sent, failed = deliver_alerts(now, smtp, public_url)
    return AlertRun(queued=queued, sent=sent, failed=failed)
