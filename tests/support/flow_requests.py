"""What Twilio posts to the call-flow webhooks: Gather action, whisper, recording, transcript."""

from __future__ import annotations

from tests.support.telephony_helpers import ACCOUNT_SID, FORWARDING, TRACKING
from tests.support.twilio_requests import CALLER, _call

RECORDINGS = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings"


def recording_sid(n: int) -> str:
    return "RE" + f"{n:032x}"


def gather_action(sid: str, digits: str | None, caller: str = CALLER) -> dict[str, str]:
    """Return <Gather>'s action request: Digits when a key was pressed, none on timeout."""
    params = {**_call(sid, "in-progress", caller)}
    if digits is not None:
        params["Digits"] = digits
        params["FinishedOnKey"] = ""
    return params


def whisper_request(parent_sid: str, caller: str = CALLER) -> dict[str, str]:
    """Return the request for <Number url>: the business's leg, answered, as its own call."""
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": "CA" + parent_sid[2:][::-1],
        "ParentCallSid": parent_sid,
        "CallStatus": "in-progress",
        "Called": FORWARDING,
        "Caller": caller,
        "Direction": "outbound-dial",
        "From": caller,
        "To": FORWARDING,
    }


def recording_status(
    sid: str,
    n: int,
    seconds: int,
    source: str = "DialVerb",
    status: str = "completed",
    channels: int = 2,
) -> dict[str, str]:
    """Return a recordingStatusCallback request (the documented parameter set)."""
    params = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": sid,
        "RecordingSid": recording_sid(n),
        "RecordingUrl": f"{RECORDINGS}/{recording_sid(n)}",
        "RecordingStatus": status,
        "RecordingDuration": str(seconds),
        "RecordingChannels": str(channels),
        "RecordingStartTime": "Fri, 04 Dec 2026 14:05:09 +0000",
        "RecordingSource": source,
        "RecordingTrack": "both",
    }
    if status == "failed":
        params["ErrorCode"] = "13617"
    return params


def transcription(
    sid: str, n: int, text: str, status: str = "completed", caller: str = CALLER
) -> dict[str, str]:
    """Return a transcribeCallback request (the documented parameter set)."""
    return {
        **_call(sid, "completed", caller),
        "TranscriptionSid": "TR" + f"{n:032x}",
        "TranscriptionText": text if status == "completed" else "",
        "TranscriptionStatus": status,
        "TranscriptionUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
        f"/Transcriptions/TR{n:032x}",
        "RecordingSid": recording_sid(n),
        "RecordingUrl": f"{RECORDINGS}/{recording_sid(n)}",
        "url": "",
    }


__all__ = ["CALLER", "TRACKING"]
