"""Playing and downloading a call's recording: range requests, and only for its workspace."""

from __future__ import annotations

import pytest

from ringtonic.background.call_handling import recording_store
from ringtonic.config import RecordingStorageSettings
from ringtonic.extensions import db
from ringtonic.models.recordings import CallRecording
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.workspaces import create_workspace
from ringtonic.services.recordings.copying import TwilioMediaAccess, copy_pending_recordings
from ringtonic.services.recordings.retention import expire_recordings, set_retention
from tests.support.api_support import assert_problem
from tests.support.call_builders import add_call
from tests.support.keys import api_get, issue_key
from tests.support.recording_servers import BUCKET, wav_bytes
from tests.support.telephony_helpers import connect_twilio
from tests.support.web_client import TEST_SECRET, post_form, sign_in

SID = "RE" + "5" * 32
AUDIO = wav_bytes(2.0)


@pytest.fixture(params=["folder", "s3"])
def app_config(request, app_config, tmp_path):
    """The app, once storing recordings in a folder and once in an S3-compatible bucket."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        request.getfixturevalue("s3_bucket")
        app_config["RINGTONIC_RECORDINGS"] = RecordingStorageSettings(
            bucket=BUCKET, prefix="rt", endpoint_url=endpoint
        )
    else:
        app_config["RINGTONIC_RECORDINGS"] = RecordingStorageSettings(folder=str(tmp_path / "r"))
    return app_config


@pytest.fixture
def recorded(app, make_account, twilio_media):
    """An Agency workspace with one call whose recording has been copied from Twilio."""
    _, owner, workspace = make_account(plan="agency", email="ann@example.com")
    connect_twilio(workspace)
    call = add_call(workspace, utcnow(), status="answered", duration_seconds=2)
    db.session.flush()
    db.session.add(
        CallRecording(
            workspace_id=workspace.id,
            call_id=call.id,
            provider_recording_sid=SID,
            kind="call",
            duration_seconds=2,
            provider_status="completed",
            next_copy_at=utcnow(),
        )
    )
    db.session.commit()
    twilio_media.recordings[SID] = AUDIO
    run = copy_pending_recordings(
        utcnow(), recording_store(), TwilioMediaAccess(twilio_media.url, TEST_SECRET)
    )
    assert run.copied == 1
    return owner, workspace, call


def test_the_call_page_plays_the_recording_and_the_player_can_seek(client, recorded):
    _, _, call = recorded
    sign_in(client, "ann@example.com")
    page = client.get(f"/calls/{call.uuid}").get_data(as_text=True)
    assert f'<audio controls preload="metadata" src="/calls/{call.uuid}/recording">' in page
    assert f'href="/calls/{call.uuid}/recording/download" download' in page

    whole = client.get(f"/calls/{call.uuid}/recording")
    assert (whole.status_code, whole.mimetype) == (200, "audio/wav")
    assert whole.data == AUDIO
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "no-store" in whole.headers["Cache-Control"]
    assert whole.headers["Content-Disposition"].startswith("inline;")

    part = client.get(f"/calls/{call.uuid}/recording", headers={"Range": "bytes=44-1043"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 44-1043/{len(AUDIO)}"
    assert part.data == AUDIO[44:1044]
    tail = client.get(f"/calls/{call.uuid}/recording", headers={"Range": "bytes=-100"})
    assert (tail.status_code, tail.data) == (206, AUDIO[-100:])
    beyond = client.get(
        f"/calls/{call.uuid}/recording", headers={"Range": f"bytes={len(AUDIO) + 10}-"}
    )
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(AUDIO)}"

    download = client.get(f"/calls/{call.uuid}/recording/download")
    assert download.headers["Content-Disposition"].startswith('attachment; filename="call-')
    assert download.data == AUDIO


def test_other_workspaces_and_accounts_get_404(app, client, recorded, make_account):
    owner, workspace, call = recorded
    paths = [f"/calls/{call.uuid}/recording", f"/calls/{call.uuid}/recording/download"]
    make_account(plan="agency", email="eve@example.com")
    sign_in(client, "eve@example.com")
    assert [client.get(path).status_code for path in paths] == [404, 404]

    # The same account's admin, working in another workspace of it.
    other = create_workspace(owner.account, "Other client", "UTC")
    db.session.commit()
    colleague = app.test_client()
    sign_in(colleague, "ann@example.com")
    post_form(colleague, "/workspaces/switch", {"workspace": str(other.uuid)}, page="/")
    assert [colleague.get(path).status_code for path in paths] == [404, 404]


def test_api_keys_get_the_recording_of_their_own_workspace_only(client, recorded, make_account):
    owner, workspace, call = recorded
    path = f"/api/v1/calls/{call.uuid}/recording"
    key = issue_key(workspace, owner)
    response = api_get(client, path, key)
    assert (response.status_code, response.mimetype, response.data) == (200, "audio/wav", AUDIO)
    part = api_get(client, path, key, headers={"Range": "bytes=0-43"})
    assert (part.status_code, part.data[:4]) == (206, b"RIFF")

    _, stranger, elsewhere = make_account(plan="agency")
    assert_problem(api_get(client, path, issue_key(elsewhere, stranger)), 404, "not_found")
    other_call = add_call(workspace, utcnow(), status="missed")
    db.session.commit()
    no_recording = api_get(client, f"/api/v1/calls/{other_call.uuid}/recording", key)
    assert_problem(no_recording, 404, "not_found")
    assert_problem(
        api_get(client, path, key, headers={"Accept": "application/json"}), 406, "not_acceptable"
    )


def test_an_expired_recording_no_longer_plays(client, recorded):
    _, workspace, call = recorded
    set_retention(workspace, "90")
    db.session.commit()
    recording = db.session.query(CallRecording).one()
    recording.created_at = utcnow().replace(year=utcnow().year - 1)
    db.session.commit()
    assert expire_recordings(utcnow(), recording_store()) == 1
    sign_in(client, "ann@example.com")
    assert client.get(f"/calls/{call.uuid}/recording").status_code == 404
    page = client.get(f"/calls/{call.uuid}").get_data(as_text=True)
    assert "as this workspace's recording retention says" in page
    assert "<audio" not in page
