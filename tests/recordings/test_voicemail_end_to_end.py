"""A voicemail as Twilio delivers it, then the periodic jobs: one alert with the transcript,
the audio copied from Twilio's media host into storage, and played on the call page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ringtonic.background.call_handling import copy_recordings, send_alerts
from ringtonic.models.types import utcnow
from tests.handling.flow_support import flow_workspace, hook, stored_call
from tests.support.flow_requests import recording_sid, recording_status, transcription
from tests.support.recording_servers import wav_bytes
from tests.support.smtp import Inbox, smtp_settings, start_server
from tests.support.twilio_requests import dial_action, record_action, voice_request
from tests.support.web_client import post_form, sign_in

SID = "CA" + "4" * 32
MESSAGE = "Hi, my water heater is leaking, please call me back today."


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = start_server(handler)
    yield handler
    controller.stop()


def test_a_voicemail_alerts_once_with_its_transcript_and_plays_from_our_storage(
    app, client, make_account, twilio_media, inbox, tmp_path, monkeypatch
):
    workspace, _ = flow_workspace(make_account, voicemail_enabled=True)
    app.config["RINGTONIC_SMTP"] = smtp_settings(inbox.port)
    app.config["RINGTONIC_TWILIO_API_URL"] = twilio_media.url
    app.config["RINGTONIC_RECORDINGS_DELETE_FROM_TWILIO"] = True
    owner = workspace.account.users[0]
    sign_in(client, owner.email)
    post_form(client, "/settings/alerts", {"voicemail": "y", "missed_call": "y"})

    audio = wav_bytes(1.5)
    twilio_media.recordings[recording_sid(7)] = audio
    hook(client, "voice", workspace, voice_request(SID))
    hook(client, "status", workspace, dial_action(SID, "no-answer", 0))
    hook(client, "status", workspace, record_action(SID, 23))
    hook(client, "recording", workspace, recording_status(SID, 7, 23, "RecordVerb", channels=1))
    assert stored_call(SID).status == "voicemail"

    # Two minutes on: the transcript has not come, so nothing is e-mailed yet.
    two_minutes = utcnow() + timedelta(minutes=2)
    monkeypatch.setattr("ringtonic.background.call_handling.utcnow", lambda: two_minutes)
    assert send_alerts().queued == 0
    hook(client, "transcription", workspace, transcription(SID, 7, MESSAGE))
    assert send_alerts().sent == 1
    assert send_alerts().sent == 0
    [message] = inbox.messages
    assert message["Subject"].startswith("New voicemail from")
    assert MESSAGE in message.get_content()  # and no missed-call alert: the call is a voicemail

    run = copy_recordings()
    assert (run.copied, run.deleted_from_provider) == (1, 1)
    assert twilio_media.deleted == [recording_sid(7)]
    call = stored_call(SID)
    page = client.get(f"/calls/{call.uuid}").get_data(as_text=True)
    assert '<h2 id="recording-heading">Voicemail</h2>' in page
    assert MESSAGE in page
    played = client.get(f"/calls/{call.uuid}/recording", headers={"Range": "bytes=0-1023"})
    assert (played.status_code, played.data) == (206, audio[:1024])
