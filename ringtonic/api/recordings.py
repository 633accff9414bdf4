"""GET /api/v1/calls/{id}/recording: the call's stored recording as WAV, with range requests."""

from __future__ import annotations

from flask import g
from flask.typing import ResponseReturnValue

from ringtonic.api import bp
from ringtonic.api.errors import ApiProblem
from ringtonic.api.negotiation import produces
from ringtonic.api.params import QueryParams
from ringtonic.background.call_handling import recording_store
from ringtonic.services.recordings.playback import download_name, playable_recording
from ringtonic.services.recordings.storage import RecordingMissing
from ringtonic.view_helpers.audio import audio_response

WAV = "audio/wav"


@bp.get("/calls/<call_uuid>/recording")
@produces(WAV)
def call_recording(call_uuid: str) -> ResponseReturnValue:
    """Return the call's recording (404 when it has none stored, or it is not this workspace's)."""
    QueryParams(())
    call, recording = playable_recording(g.workspace, call_uuid)
    assert recording.storage_key is not None  # playable_recording returns stored ones only
    try:
        return audio_response(
            recording_store(), recording.storage_key, download_name(call, recording)
        )
    except RecordingMissing:
        raise ApiProblem("not_found", "This call has no recording to play.") from None
