"""A call's recording on its page: play (with seeking) and download, for the workspace's users."""

from __future__ import annotations

from flask import abort

from ringtonic.background.call_handling import recording_store
from ringtonic.calls import bp
from ringtonic.models import Call
from ringtonic.services.errors import NotFound
from ringtonic.services.recordings.playback import (
    call_recordings,
    download_name,
    playable_recording,
)
from ringtonic.services.recordings.storage import RecordingMissing
from ringtonic.view_helpers.access import current_workspace, requires
from ringtonic.view_helpers.audio import audio_response


@bp.app_template_global("recordings_of")
def recordings_of(call: Call) -> list:
    """Return the call's recordings for its page (the page is already workspace-checked)."""
    return call_recordings(call)


def _serve(call_uuid: str, download: bool):
    try:
        call, recording = playable_recording(current_workspace(), call_uuid)
        if not recording.storage_key:  # playable_recording returns stored ones only
            raise RecordingMissing("The recording has no stored copy.")
        return audio_response(
            recording_store(),
            recording.storage_key,
            download_name(call, recording),
            download=download,
        )
    except (NotFound, RecordingMissing):
        abort(404)


@bp.get("/<call_uuid>/recording")
@requires("view_data")
def recording(call_uuid: str):
    """Play the call's recording; range requests let the player seek."""
    return _serve(call_uuid, download=False)


@bp.get("/<call_uuid>/recording/download")
@requires("view_data")
def recording_download(call_uuid: str):
    """Download the call's recording as a WAV file."""
    return _serve(call_uuid, download=True)
