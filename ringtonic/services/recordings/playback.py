"""Find a call's recording for playback, within the caller's workspace."""

from __future__ import annotations

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call, Workspace
from ringtonic.models.recordings import CallRecording
from ringtonic.services.calls.queries import get_call
from ringtonic.services.errors import NotFound


def call_recordings(call: Call) -> list[CallRecording]:
    """Return the call's recordings, newest first (copied, waiting, or expired)."""
    return list(
        db.session.scalars(
            select(CallRecording)
            .where(
                CallRecording.call_id == call.id, CallRecording.workspace_id == call.workspace_id
            )
            .order_by(CallRecording.created_at.desc(), CallRecording.id.desc())
        )
    )


def playable_recording(workspace: Workspace, call_uuid: str) -> tuple[Call, CallRecording]:
    """Return the workspace's call and its newest stored recording, or raise NotFound."""
    call = get_call(workspace, call_uuid)
    for recording in call_recordings(call):
        if recording.storage_key and recording.expired_at is None:
            return call, recording
    raise NotFound("This call has no recording to play.")


def download_name(call: Call, recording: CallRecording) -> str:
    """Return the file name a downloaded recording gets."""
    kind = "voicemail" if recording.kind == "voicemail" else "call"
    return f"{kind}-{call.started_at:%Y%m%d-%H%M%S}-{call.uuid}.wav"
