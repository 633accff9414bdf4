"""Recordings as Twilio's callbacks announce them: stored once per RecordingSid, then updated.

Twilio sends a recording status callback (RecordingSid, RecordingUrl, RecordingStatus,
RecordingDuration, RecordingChannels, RecordingSource, CallSid) when a recording is
completed, failed or absent, and a transcription callback (TranscriptionSid,
TranscriptionText, TranscriptionStatus, RecordingSid, CallSid) when a <Record
transcribe> is transcribed. Both repeat and may arrive in either order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ringtonic.extensions import db
from ringtonic.models import Call, CallRecording, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.text import displayable

_RECORDING_SID_RE = re.compile(r"RE[0-9a-fA-F]{32}")
_RECORDING_STATUSES = frozenset({"in-progress", "completed", "absent", "failed"})
_TRANSCRIPT_STATUSES = frozenset({"in-progress", "completed", "failed"})
# Twilio's RecordingSource for <Record>; everything else here comes from <Dial record>.
_VOICEMAIL_SOURCES = frozenset({"recordverb"})
MAX_TRANSCRIPT_CHARS = 20_000


def recording_sid(params: Mapping[str, str]) -> str:
    """Return the RecordingSid of a callback, or raise ValidationError."""
    sid = (params.get("RecordingSid") or "").strip()
    if not _RECORDING_SID_RE.fullmatch(sid):
        raise ValidationError("The request has no valid RecordingSid.", "RecordingSid")
    return sid


def _number(raw: str | None, limit: int) -> int:
    try:
        value = int((raw or "").strip())
    except ValueError:
        return 0
    return min(max(value, 0), limit)


def _media_url(raw: str | None) -> str:
    url = (raw or "").strip()
    if not url:
        return ""
    if len(url) > 500 or not url.startswith("https://"):
        raise ValidationError("RecordingUrl must be an https URL.", "RecordingUrl")
    return url


def find_recording(workspace: Workspace, sid: str) -> CallRecording | None:
    """Return the workspace's recording with this RecordingSid, if stored."""
    return db.session.scalar(
        select(CallRecording).where(
            CallRecording.workspace_id == workspace.id,
            CallRecording.provider_recording_sid == sid,
        )
    )


def _stored_or_new(workspace: Workspace, call: Call, sid: str, kind: str) -> CallRecording:
    recording = find_recording(workspace, sid)
    if recording is not None:
        return recording
    recording = CallRecording(
        workspace_id=workspace.id, call_id=call.id, provider_recording_sid=sid, kind=kind
    )
    try:
        # A retry racing the first delivery: the unique SID lets one insert win.
        with db.session.begin_nested():
            db.session.add(recording)
            db.session.flush()
    except IntegrityError:
        winner = find_recording(workspace, sid)
        if winner is None:
            raise
        return winner
    return recording


def register_recording(
    workspace: Workspace, call: Call, params: Mapping[str, str], now: datetime | None = None
) -> CallRecording:
    """Store or update the recording a recording status callback describes.

    Raises ValidationError for a callback without a usable RecordingSid or URL.
    """
    sid = recording_sid(params)
    source = (params.get("RecordingSource") or "").strip().lower()
    kind = "voicemail" if source in _VOICEMAIL_SOURCES else "call"
    status = (params.get("RecordingStatus") or "").strip().lower()
    media_url = _media_url(params.get("RecordingUrl"))
    recording = _stored_or_new(workspace, call, sid, kind)
    if status in _RECORDING_STATUSES and recording.provider_status != "completed":
        recording.provider_status = status
    if media_url:
        recording.media_url = media_url
    duration = _number(params.get("RecordingDuration"), 7 * 24 * 3600)
    recording.duration_seconds = max(recording.duration_seconds, duration)
    channels = _number(params.get("RecordingChannels"), 2)
    if channels:
        recording.channels = channels
    if recording.provider_status == "completed" and recording.copied_at is None:
        # The copy job (services/recordings) picks it up from here.
        recording.next_copy_at = recording.next_copy_at or now or utcnow()
    db.session.flush()
    return recording


def attach_transcription(
    workspace: Workspace, call: Call, params: Mapping[str, str]
) -> CallRecording:
    """Store the transcript a transcription callback carries on its recording.

    The transcription may come before the recording's own callback: the row is made then.
    """
    sid = recording_sid(params)
    recording = _stored_or_new(workspace, call, sid, "voicemail")
    if recording.call_id != call.id:
        raise NotFound("The recording belongs to another call.", "RecordingSid")
    status = (params.get("TranscriptionStatus") or "").strip().lower()
    if status not in _TRANSCRIPT_STATUSES:
        raise ValidationError("TranscriptionStatus is not one Twilio sends.", "TranscriptionStatus")
    if recording.transcript_status == "completed":
        return recording  # a retry, or a late "failed" after the text arrived
    recording.transcript_status = status
    if status == "completed":
        text = displayable(params.get("TranscriptionText") or "")
        recording.transcript = text[:MAX_TRANSCRIPT_CHARS]
    if not recording.media_url:
        recording.media_url = _media_url(params.get("RecordingUrl"))
    db.session.flush()
    return recording
