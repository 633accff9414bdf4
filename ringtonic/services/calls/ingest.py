"""Calls arriving from Twilio: each stored once, then brought up to date by status callbacks.

Status callbacks can repeat and arrive in any order, so a call's status only ever moves
up STATUS_RANK and its duration only ever grows: applying the same set of callbacks in
any order gives the same final row. The outcome comes from DialCallStatus (the leg to
the business's line) when Twilio sends it, else from CallStatus (the caller's leg):

- completed with a duration above zero → answered (zero → missed)
- no-answer → missed, busy → busy, failed or canceled → failed
- queued/initiated/ringing → ringing, in-progress → in-progress
- voicemail: a callback reports AnsweredBy=machine_* (Twilio answering-machine
  detection) or a RecordingUrl (a message was recorded). Voicemail outranks every
  other outcome: the call reached a machine whatever the legs reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from ringtonic.extensions import db
from ringtonic.models import Call, PhoneNumber, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.reporting.rollups import recounting_calls, share_rollup_lock
from ringtonic.services.telephony.phones import caller_number_or_blank
from ringtonic.services.tracking.attribution import visit_of_call
from ringtonic.text import displayable

# Higher wins. Final outcomes outrank progress; among outcomes, the more specific
# report wins over the caller leg's plain "completed" (answered).
STATUS_RANK = {
    "ringing": 0,
    "in-progress": 1,
    "answered": 2,
    "failed": 3,
    "busy": 4,
    "missed": 5,
    "voicemail": 6,
}
_PROGRESS = {
    "queued": "ringing",
    "initiated": "ringing",
    "ringing": "ringing",
    "in-progress": "in-progress",
}
_OUTCOMES = {"no-answer": "missed", "busy": "busy", "failed": "failed", "canceled": "failed"}
_CALL_SID_RE = re.compile(r"[A-Za-z0-9]{2,64}")
# Longer than any real call; guards the column against junk from a misconfigured sender.
MAX_DURATION_SECONDS = 7 * 24 * 3600


def call_sid(params: Mapping[str, str]) -> str:
    """Return the CallSid of a webhook, or raise ValidationError."""
    sid = (params.get("CallSid") or "").strip()
    if not _CALL_SID_RE.fullmatch(sid):
        raise ValidationError("The request has no valid CallSid.", "CallSid")
    return sid


def _seconds(raw: str | None) -> int:
    try:
        value = int((raw or "").strip())
    except ValueError:
        return 0
    return min(max(value, 0), MAX_DURATION_SECONDS)


def _status_of(twilio_status: str, seconds: int) -> str | None:
    if twilio_status == "completed":
        return "answered" if seconds > 0 else "missed"
    return _OUTCOMES.get(twilio_status) or _PROGRESS.get(twilio_status)


def higher_status(current: str | None, reported: str | None) -> str | None:
    """Return whichever of two statuses ranks higher (None means nothing reported)."""
    if reported is None:
        return current
    if current is None:
        return reported
    return reported if STATUS_RANK[reported] > STATUS_RANK[current] else current


def reported_status(params: Mapping[str, str]) -> tuple[str | None, int]:
    """Return the status and duration (seconds) one callback reports."""
    call_seconds = _seconds(params.get("CallDuration"))
    dial_seconds = _seconds(params.get("DialCallDuration"))
    status = higher_status(
        _status_of((params.get("CallStatus") or "").strip().lower(), call_seconds),
        _status_of((params.get("DialCallStatus") or "").strip().lower(), dial_seconds),
    )
    answered_by = (params.get("AnsweredBy") or "").strip().lower()
    if answered_by.startswith("machine") or (params.get("RecordingUrl") or "").strip():
        status = "voicemail"
    return status, max(call_seconds, dial_seconds)


def find_call(workspace: Workspace, sid: str) -> Call | None:
    """Return the workspace's call with this Twilio CallSid, if stored."""
    return db.session.scalar(
        select(Call).where(Call.workspace_id == workspace.id, Call.provider_call_id == sid)
    )


def find_tracking_number(workspace: Workspace, raw: str | None) -> PhoneNumber | None:
    """Return the workspace's tracking number that `raw` (Twilio's To) names, if any."""
    number = caller_number_or_blank(raw or "")
    if not number:
        return None
    return db.session.scalar(
        select(PhoneNumber).where(
            PhoneNumber.workspace_id == workspace.id, PhoneNumber.number == number
        )
    )


def is_first_call(workspace: Workspace, caller_number: str, started_at: datetime) -> bool:
    """Return whether no earlier call from this caller exists (withheld numbers: False)."""
    if not caller_number:
        return False
    earlier = select(Call.id).where(
        Call.workspace_id == workspace.id,
        Call.caller_number == caller_number,
        Call.started_at < started_at,
    )
    return not db.session.scalar(select(earlier.exists()))


def _text(params: Mapping[str, str], name: str, limit: int) -> str:
    # Controls (NUL breaks PostgreSQL), zero-width and direction-changing characters are
    # dropped, not refused: a junk city must never cost the business the call.
    return displayable(params.get(name) or "")[:limit].rstrip()


def caller_location(params: Mapping[str, str]) -> dict[str, str]:
    """Return the caller's city, state, zip and country as Twilio reported them."""
    city = _text(params, "FromCity", 100)
    # Twilio sends "AUSTIN"; people read "Austin".
    if city.isupper():
        city = city.title()
    country = _text(params, "FromCountry", 2).upper()
    return {
        "caller_city": city,
        "caller_state": _text(params, "FromState", 50).upper(),
        "caller_zip": _text(params, "FromZip", 20),
        "caller_country": country if country.isalpha() else "",
    }


def record_inbound_call(
    workspace: Workspace, params: Mapping[str, str], now: datetime | None = None
) -> Call:
    """Store the call a Twilio webhook announces; a repeated CallSid returns the stored call.

    Raises NotFound (field "To") when the dialled number is not one of the workspace's
    tracking numbers, ValidationError when the request has no CallSid.
    """
    sid = call_sid(params)
    existing = find_call(workspace, sid)
    if existing is not None:
        return existing
    phone_number = find_tracking_number(workspace, params.get("To"))
    if phone_number is None:
        raise NotFound("The dialled number is not a tracking number of this workspace.", "To")
    started_at = now or utcnow()
    caller = caller_number_or_blank(params.get("From") or "")
    call = Call(
        workspace_id=workspace.id,
        campaign_id=phone_number.campaign_id,
        phone_number_id=phone_number.id,
        tracking_number=phone_number.number,
        caller_number=caller,
        started_at=started_at,
        duration_seconds=0,
        status="ringing",
        first_call=is_first_call(workspace, caller, started_at),
        source=phone_number.source,
        medium=phone_number.medium,
        provider_call_id=sid,
        **caller_location(params),
    )
    visit = visit_of_call(phone_number, started_at)
    if visit is not None:
        call.visitor_session_id = visit.id
        call.source, call.medium = visit.source, visit.medium
    try:
        # A Twilio retry racing the first delivery: the unique (workspace, CallSid)
        # index lets exactly one insert win; the other returns the winner's row.
        with db.session.begin_nested():
            db.session.add(call)
            db.session.flush()
    except IntegrityError:
        winner = find_call(workspace, sid)
        if winner is None:
            raise
        return winner
    return call


def _rank_of(column):
    return case(STATUS_RANK, value=column, else_=-1)


def apply_status_callback(
    workspace: Workspace, params: Mapping[str, str], now: datetime | None = None
) -> Call:
    """Fold a status callback into its call (stored first if the callback came first).

    Raises like record_inbound_call when the call is unknown and cannot be stored.
    """
    sid = call_sid(params)
    share_rollup_lock(workspace.id)
    call = find_call(workspace, sid) or record_inbound_call(workspace, params, now)
    status, seconds = reported_status(params)
    # One UPDATE that compares with the row as stored, so concurrent callbacks cannot
    # overwrite each other with stale values.
    values = {
        "duration_seconds": case(
            (Call.duration_seconds < seconds, seconds), else_=Call.duration_seconds
        ),
        "updated_at": utcnow(),
    }
    if status is not None:
        values["status"] = case(
            (_rank_of(Call.status) < STATUS_RANK[status], status), else_=Call.status
        )
    with recounting_calls([call.id]):
        db.session.execute(
            update(Call)
            .where(Call.id == call.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(call)
    return call
