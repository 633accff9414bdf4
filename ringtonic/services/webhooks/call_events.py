"""Which webhook event a change to a call is: started, completed, missed, updated, blocked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ringtonic.extensions import db
from ringtonic.models import BlockedCall, Call, PhoneNumber, Workspace
from ringtonic.services.calls.documents import number_reference
from ringtonic.services.reporting.periods import iso_utc
from ringtonic.services.signals import call_blocked
from ringtonic.services.webhooks.outbox import emit

COMPLETED = frozenset({"answered", "voicemail"})
MISSED = frozenset({"missed", "busy", "failed"})
FINAL = COMPLETED | MISSED


def call_started(workspace: Workspace, call: Call, now: datetime | None = None) -> None:
    """Emit call.started for a call just stored."""
    emit(workspace, "call.started", call, now=now)


def outcome_changed(workspace: Workspace, call: Call, old_status: str, old_seconds: int) -> None:
    """Emit call.completed/call.missed for a first outcome, call.updated for a later change."""
    if (call.status, call.duration_seconds) == (old_status, old_seconds):
        return
    if call.status not in FINAL:
        return
    if old_status not in FINAL:
        emit(workspace, "call.completed" if call.status in COMPLETED else "call.missed", call)
        return
    changes: list[dict[str, object]] = []
    if call.status != old_status:
        changes.append({"field": "status", "old": old_status, "new": call.status})
    if call.duration_seconds != old_seconds:
        changes.append(
            {"field": "duration_seconds", "old": old_seconds, "new": call.duration_seconds}
        )
    emit(workspace, "call.updated", call, changes=changes)


def fields_changed(workspace: Workspace, call: Call, changes: list[dict[str, Any]]) -> None:
    """Emit call.updated naming the fields that changed with their old and new API values."""
    if changes:
        emit(workspace, "call.updated", call, changes=changes)


def blocked_call_document(attempt: BlockedCall) -> dict[str, Any]:
    """Describe a refused call (a BlockedCall: it never became a stored call)."""
    return {
        "provider_call_id": attempt.provider_call_id,
        "caller_number": attempt.caller_number or None,
        "tracking_number": attempt.tracking_number,
        "phone_number": number_reference(
            db.session.get(PhoneNumber, attempt.phone_number_id)
            if attempt.phone_number_id
            else None
        ),
        "scope": attempt.scope,
        "reason": attempt.reason,
        "attempted_at": iso_utc(attempt.attempted_at),
    }


@call_blocked.connect
def _on_call_blocked(sender: BlockedCall, **kwargs: Any) -> None:
    """Emit call.blocked for a call the blocklist turned away (see services.signals)."""
    emit(kwargs["workspace"], "call.blocked", None, data=blocked_call_document(sender))
