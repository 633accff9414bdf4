"""The full parameter sets Twilio posts for a forwarded call, request by request.

Each builder returns what Twilio sends (the documented voice request, Dial action,
<Record> action and status callback parameters), for the tracking number TRACKING.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.support.telephony_helpers import ACCOUNT_SID, TRACKING

CALLER = "+15125550123"
# Where Twilio places a caller: from the number itself. Its placeholders for withheld
# callers get the country their prefix belongs to (+266 Lesotho, +86 China).
_PLACES = {
    CALLER: ("AUSTIN", "TX", "78701", "US"),
    "+266696687": ("", "", "", "LS"),
    "+86282452253": ("", "", "", "CN"),
    "+8656696": ("", "", "", "CN"),
}
_TRACKING_PLACE = ("AUSTIN", "TX", "78701", "US")


def _located(prefix: str, place: tuple[str, str, str, str]) -> dict[str, str]:
    city, state, zip_code, country = place
    return {
        f"{prefix}City": city,
        f"{prefix}State": state,
        f"{prefix}Zip": zip_code,
        f"{prefix}Country": country,
    }


def _call(sid: str, call_status: str, caller: str) -> dict[str, str]:
    """Return the parameters every request about an inbound call carries."""
    place = _PLACES.get(caller, ("", "", "", ""))
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": call_status,
        "Called": TRACKING,
        **_located("Called", _TRACKING_PLACE),
        "Caller": caller,
        **_located("Caller", place),
        "Direction": "inbound",
        "From": caller,
        **_located("From", place),
        "To": TRACKING,
        **_located("To", _TRACKING_PLACE),
    }


def voice_request(sid: str, caller: str = CALLER) -> dict[str, str]:
    """Return the request for "A call comes in"."""
    return {
        **_call(sid, "ringing", caller),
        "CallToken": "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9%22%7D",
        "StirVerstat": "TN-Validation-Passed-A" if caller == CALLER else "",
    }


def dial_action(
    sid: str,
    dial_status: str,
    dial_seconds: int | None = None,
    call_status: str = "in-progress",
    caller: str = CALLER,
    **extra: str,
) -> dict[str, str]:
    """Return Dial's action request: the dialed leg's outcome beside the caller's leg.

    CallStatus is the caller's leg as the dialed leg ends: in-progress when the business
    hung up or never answered, completed when the caller hung up.
    """
    params = {
        **_call(sid, call_status, caller),
        "DialCallSid": "CA" + sid[2:][::-1],
        "DialCallStatus": dial_status,
        "DialBridged": "true" if dial_status == "completed" else "false",
    }
    if dial_seconds is not None:
        params["DialCallDuration"] = str(dial_seconds)
    return {**params, **extra}


def record_action(sid: str, seconds: int, caller: str = CALLER) -> dict[str, str]:
    """Return <Record>'s action request after the caller left a message and hung up."""
    return {
        **_call(sid, "completed", caller),
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
        f"/Recordings/RE{sid[2:]}",
        "RecordingSid": "RE" + sid[2:],
        "RecordingDuration": str(seconds),
        "Digits": "hangup",
    }


def status_callback(
    sid: str, call_status: str, seconds: int | None, sequence: int = 0, caller: str = CALLER
) -> dict[str, str]:
    """Return the number's "Call status changes" request: the caller's leg only.

    CallDuration comes with the final status only (seconds None for progress events).
    """
    params = {
        **_call(sid, call_status, caller),
        "Timestamp": "Fri, 04 Dec 2026 14:05:09 +0000",
        "CallbackSource": "call-progress-events",
        "SequenceNumber": str(sequence),
    }
    if seconds is not None:
        params["CallDuration"] = str(seconds)
    return params


def machine_answered(sid: str, seconds: int) -> dict[str, str]:
    """Return Dial's action when answering-machine detection found a machine on the line."""
    return dial_action(
        sid,
        "completed",
        seconds,
        AnsweredBy="machine_end_beep",
        MachineDetectionDuration="4120",
    )


VOICE, STATUS = "voice", "status"


@dataclass(frozen=True)
class Scenario:
    """A call as Twilio reports it (in its usual order) and the outcome to store."""

    requests: Callable[[str], list[tuple[str, dict[str, str]]]]
    status: str
    seconds: int


def _forwarded(*callbacks: Callable[[str], dict[str, str]]) -> Callable:
    """Return the requests of a call: the incoming call, then these on the status URL."""
    return lambda sid: [(VOICE, voice_request(sid))] + [(STATUS, make(sid)) for make in callbacks]


# One row per line of the table in services/calls/ingest.py. With answerOnBridge the
# caller's leg is answered only when the business answers: CallDuration 0 otherwise.
SCENARIOS = {
    "business hangs up first": Scenario(
        _forwarded(
            lambda sid: dial_action(sid, "completed", 61),
            lambda sid: status_callback(sid, "completed", 64),
        ),
        "answered",
        61,
    ),
    "caller hangs up first": Scenario(
        _forwarded(
            lambda sid: dial_action(sid, "completed", 61, call_status="completed"),
            lambda sid: status_callback(sid, "completed", 62),
        ),
        "answered",
        61,
    ),
    "answered and dropped at once": Scenario(
        _forwarded(
            lambda sid: dial_action(sid, "completed", 0, call_status="completed"),
            lambda sid: status_callback(sid, "completed", 0),
        ),
        "missed",
        0,
    ),
    "no answer": Scenario(
        _forwarded(
            lambda sid: dial_action(sid, "no-answer", 0),
            lambda sid: status_callback(sid, "completed", 0),
        ),
        "missed",
        0,
    ),
    "caller hangs up while it rings": Scenario(
        _forwarded(
            lambda sid: dial_action(sid, "canceled", 0, call_status="completed"),
            lambda sid: status_callback(sid, "completed", 0),
        ),
        "missed",
        0,
    ),
    "busy": Scenario(
        _forwarded(
            lambda sid: dial_action(sid, "busy", 0),
            lambda sid: status_callback(sid, "completed", 0),
        ),
        "busy",
        0,
    ),
    "forward fails": Scenario(
        _forwarded(
            lambda sid: dial_action(sid, "failed", 0),
            lambda sid: status_callback(sid, "completed", 0),
        ),
        "failed",
        0,
    ),
    "machine answers": Scenario(
        _forwarded(
            lambda sid: machine_answered(sid, 25),
            lambda sid: status_callback(sid, "completed", 27),
        ),
        "voicemail",
        25,
    ),
    "message left after no answer": Scenario(
        _forwarded(
            lambda sid: dial_action(sid, "no-answer", 0),
            lambda sid: record_action(sid, 23),
            lambda sid: status_callback(sid, "completed", 48),
        ),
        "voicemail",
        23,
    ),
    "not forwarded, answered": Scenario(
        _forwarded(lambda sid: status_callback(sid, "completed", 45)),
        "answered",
        45,
    ),
    "not forwarded, hung up at once": Scenario(
        _forwarded(lambda sid: status_callback(sid, "completed", 0)),
        "missed",
        0,
    ),
    "caller hangs up before the forward": Scenario(
        _forwarded(lambda sid: status_callback(sid, "canceled", 0)),
        "missed",
        0,
    ),
    "not forwarded, no answer": Scenario(
        _forwarded(lambda sid: status_callback(sid, "no-answer", 0)),
        "missed",
        0,
    ),
    "not forwarded, busy": Scenario(
        _forwarded(lambda sid: status_callback(sid, "busy", 0)),
        "busy",
        0,
    ),
    "not forwarded, failed": Scenario(
        _forwarded(lambda sid: status_callback(sid, "failed", 0)),
        "failed",
        0,
    ),
    "still ringing": Scenario(_forwarded(), "ringing", 0),
    "answered, still talking": Scenario(
        _forwarded(lambda sid: status_callback(sid, "in-progress", None)),
        "in-progress",
        0,
    ),
}
