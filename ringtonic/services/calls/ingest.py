"""Calls arriving from Twilio: each stored once, then brought up to date by its callbacks.

Twilio reports a forwarded call twice. Dial's action request (sent when the forwarded
leg ends) carries the dialed leg's DialCallStatus and DialCallDuration beside the
caller's leg's CallStatus; the number's status callback carries the caller's leg only
(CallStatus, CallDuration). The caller's leg is "completed" whenever the caller reached
Twilio, whatever the business did, so a Dial report always decides; the caller's leg
decides only for calls that never get one (a number that does not forward, a caller
who hangs up before the forward starts).

| Request     | Twilio reports                                  | Status      | Seconds           |
| ----------- | ----------------------------------------------- | ----------- | ----------------- |
| any         | AnsweredBy=machine_* (machine detection)        | voicemail   | as its row below  |
| Dial action | DialCallStatus completed/answered, duration > 0 | answered    | DialCallDuration  |
| Dial action | DialCallStatus completed/answered, duration 0   | missed      | 0                 |
| Dial action | DialCallStatus no-answer or canceled            | missed      | DialCallDuration  |
| Dial action | DialCallStatus busy / failed                    | busy/failed | DialCallDuration  |
| other       | RecordingUrl (a <Record> took a message)        | voicemail   | RecordingDuration |
| other       | CallStatus completed, CallDuration > 0          | answered    | CallDuration      |
| other       | CallStatus completed, CallDuration 0 or none    | missed      | 0                 |
| other       | CallStatus no-answer or canceled                | missed      | CallDuration      |
| other       | CallStatus busy / failed                        | busy/failed | CallDuration      |
| other       | CallStatus queued, initiated or ringing         | ringing     | CallDuration      |
| other       | CallStatus in-progress                          | in-progress | CallDuration      |

When the campaign's call flow answered the caller itself (a press-1 gate, a recording
announcement, a voicemail greeting: Call.flow_stage), a caller's-leg "answered" means
Twilio answered, not the business: it reads as missed, or as spam_gate_failed while the
caller is still at the gate (outcome_in_flow). The gate's refusal outranks everything.

"Other" is a request without DialCallStatus: the status callback, or a <Record> action.
A Dial report's own CallStatus and a RecordingUrl in it (Dial's recording of the
conversation) are not outcomes. Seconds are the talk time on the leg that decided: the
caller's leg also counts ringing and anything played before or after the forward.

Callbacks repeat and arrive in any order, so each one is ranked and the stored call keeps
the highest report: voicemail first, then a Dial report over a caller's-leg report, then
STATUS_RANK, then more seconds. Applying the same callbacks in any order, any number of
times, gives the same row. Call.outcome_source remembers which leg decided ("" while
only the incoming call is known, "caller" or "dial").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import Tuple

from ringtonic.extensions import db
from ringtonic.models import SPAM_GATE_FAILED, Call, PhoneNumber, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.reporting.rollups import recounting_calls, share_rollup_lock
from ringtonic.services.telephony.phones import caller_number_or_blank
from ringtonic.services.tracking.attribution import visit_of_call
from ringtonic.services.webhooks.call_events import call_started, outcome_changed
from ringtonic.text import displayable

# Among reports from the same leg, higher wins: a final outcome over progress.
STATUS_RANK = {
    "ringing": 0,
    "in-progress": 1,
    "answered": 2,
    "failed": 3,
    "busy": 4,
    "missed": 5,
    "voicemail": 6,
    SPAM_GATE_FAILED: 7,
}
# "gate": the campaign's press-1 gate stopped the call; nothing a leg reports undoes it.
SOURCE_RANK = {"": 0, "caller": 1, "dial": 2, "gate": 3}
# Flow stages in which Twilio itself answered the caller (gate, announcement, greeting):
# the caller's leg then reads "completed" with seconds although no one at the business did.
_TWILIO_ANSWERED_STAGES = frozenset({"gate", "connecting", "after_hours", "voicemail"})
_PROGRESS = {
    "queued": "ringing",
    "initiated": "ringing",
    "ringing": "ringing",
    "in-progress": "in-progress",
}
# Twilio's final words other than completed; the CSV import reads them the same way.
# A caller who hangs up before anyone answers (canceled) is a call the business missed.
TWILIO_OUTCOMES = {"no-answer": "missed", "canceled": "missed", "busy": "busy", "failed": "failed"}
_CONNECTED = frozenset({"completed", "answered"})
# Outcomes no later report undoes: the gate's refusal, then a message left.
_DECISIVE = {SPAM_GATE_FAILED: 2, "voicemail": 1}
_CALL_SID_RE = re.compile(r"[A-Za-z0-9]{2,64}")
# Longer than any real call; guards the column against junk from a misconfigured sender.
MAX_DURATION_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Outcome:
    """What one callback says about its call, and which leg said it."""

    status: str
    seconds: int
    source: str

    @property
    def precedence(self) -> tuple[int, int, int, int]:
        """Return the rank the stored call compares with (see the module docstring)."""
        return (
            _DECISIVE.get(self.status, 0),
            SOURCE_RANK[self.source],
            STATUS_RANK[self.status],
            self.seconds,
        )


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


def _word(params: Mapping[str, str], name: str) -> str:
    return (params.get(name) or "").strip().lower()


def _final_status(twilio_status: str, seconds: int) -> str | None:
    if twilio_status in _CONNECTED:
        return "answered" if seconds > 0 else "missed"
    return TWILIO_OUTCOMES.get(twilio_status)


def reported_outcome(params: Mapping[str, str]) -> Outcome | None:
    """Return what one callback reports, or None when it reports nothing usable."""
    dial_status = _word(params, "DialCallStatus")
    if dial_status:
        source, seconds = "dial", _seconds(params.get("DialCallDuration"))
        status = _final_status(dial_status, seconds)
        message = False
    else:
        source, seconds = "caller", _seconds(params.get("CallDuration"))
        call_status = _word(params, "CallStatus")
        status = _final_status(call_status, seconds) or _PROGRESS.get(call_status)
        message = bool((params.get("RecordingUrl") or "").strip())
        if message:
            seconds = _seconds(params.get("RecordingDuration") or params.get("CallDuration"))
    if message or _word(params, "AnsweredBy").startswith("machine"):
        status = "voicemail"
    if status is None:
        return None
    return Outcome(status, seconds, source)


def outcome_in_flow(outcome: Outcome, flow_stage: str) -> Outcome:
    """Read a caller's-leg report of a call the campaign's flow answered itself.

    A caller who hangs up at the gate did not press the key (spam_gate_failed); one
    who hears an announcement or a greeting and hangs up reached nobody (missed).
    """
    if outcome.source != "caller" or flow_stage not in _TWILIO_ANSWERED_STAGES:
        return outcome
    final = outcome.status not in ("ringing", "in-progress")
    if flow_stage == "gate" and final and outcome.status != "voicemail":
        return Outcome(SPAM_GATE_FAILED, outcome.seconds, "gate")
    if outcome.status == "answered":
        return Outcome("missed", outcome.seconds, "caller")
    return outcome


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
    # Withheld (blank) callers get no location: Twilio guesses it from the number, and
    # its placeholder numbers would place them in Lesotho or China.
    caller = caller_number_or_blank(params.get("From") or "")
    location = caller_location(params) if caller else {}
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
        **location,
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
    call_started(workspace, call, now)
    return call


def _stored_precedence() -> Tuple:
    """Return Outcome.precedence of the row as stored, as an SQL row value."""
    return tuple_(
        case(_DECISIVE, value=Call.status, else_=0),
        case(SOURCE_RANK, value=Call.outcome_source, else_=0),
        case(STATUS_RANK, value=Call.status, else_=-1),
        Call.duration_seconds,
    )


def apply_status_callback(
    workspace: Workspace, params: Mapping[str, str], now: datetime | None = None
) -> Call:
    """Fold a status callback or Dial report into its call (stored first if it came first).

    Raises like record_inbound_call when the call is unknown and cannot be stored.
    """
    sid = call_sid(params)
    share_rollup_lock(workspace.id)
    call = find_call(workspace, sid) or record_inbound_call(workspace, params, now)
    outcome = reported_outcome(params)
    if outcome is None:
        return call
    before = (call.status, call.duration_seconds)
    outcome = outcome_in_flow(outcome, call.flow_stage)
    # One UPDATE that compares with the row as stored, so concurrent callbacks cannot
    # overwrite each other with stale values: the report lands only if it outranks it.
    with recounting_calls([call.id]):
        db.session.execute(
            update(Call)
            .where(Call.id == call.id, _stored_precedence() < tuple_(*outcome.precedence))
            .values(
                status=outcome.status,
                duration_seconds=outcome.seconds,
                outcome_source=outcome.source,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(call)
    outcome_changed(workspace, call, *before)
    return call
