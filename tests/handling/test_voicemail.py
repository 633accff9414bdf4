"""Voicemail on no-answer, busy or after hours: greeting, <Record>, recording and transcript."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import CallRecording
from ringtonic.services.calls import ingest
from tests.handling.flow_support import (
    BEFORE_DST,
    WEEKDAYS_9_TO_5,
    flow_workspace,
    hook,
    stored_call,
    twiml,
    url,
    verbs,
)
from tests.support.flow_requests import RECORDINGS, recording_sid, recording_status, transcription
from tests.support.twilio_requests import (
    dial_action,
    record_action,
    status_callback,
    voice_request,
)

SID = "CA" + "2" * 32
GREETING = "You reached Acme Plumbing. Leave a message after the tone."


def assert_voicemail_twiml(root, workspace) -> None:
    assert verbs(root) == ["Say", "Record", "Hangup"]
    assert root.find("Say").text == GREETING
    assert root.find("Record").attrib == {
        "action": url("status", workspace),
        "method": "POST",
        "maxLength": "180",
        "playBeep": "true",
        "transcribe": "true",
        "transcribeCallback": url("transcription", workspace),
        "recordingStatusCallback": url("recording", workspace),
        "recordingStatusCallbackMethod": "POST",
        "recordingStatusCallbackEvent": "completed absent",
    }


@pytest.fixture
def voicemail_workspace(make_account):
    workspace, _ = flow_workspace(make_account, voicemail_enabled=True, voicemail_greeting=GREETING)
    return workspace


@pytest.mark.parametrize("dial_status", ["no-answer", "busy", "failed"])
def test_unanswered_dial_takes_a_voicemail(client, voicemail_workspace, dial_status):
    workspace = voicemail_workspace
    hook(client, "voice", workspace, voice_request(SID))
    first = twiml(hook(client, "status", workspace, dial_action(SID, dial_status, 0)))
    assert_voicemail_twiml(first, workspace)
    # A retried action gets the same answer.
    assert_voicemail_twiml(
        twiml(hook(client, "status", workspace, dial_action(SID, dial_status, 0))), workspace
    )
    assert verbs(twiml(hook(client, "status", workspace, record_action(SID, 23)))) == []
    call = stored_call(SID)
    assert (call.status, call.duration_seconds) == ("voicemail", 23)


def test_caller_hanging_up_while_it_rings_gets_no_voicemail(client, voicemail_workspace):
    workspace = voicemail_workspace
    hook(client, "voice", workspace, voice_request(SID))
    root = twiml(
        hook(client, "status", workspace, dial_action(SID, "canceled", 0, call_status="completed"))
    )
    assert verbs(root) == []
    assert stored_call(SID).status == "missed"


def test_after_hours_voicemail_answers_with_the_greeting(client, make_account, monkeypatch):
    workspace, _ = flow_workspace(
        make_account,
        hours_enabled=True,
        after_hours_action="voicemail",
        voicemail_greeting=GREETING,
        **WEEKDAYS_9_TO_5,
    )
    monkeypatch.setattr(ingest, "utcnow", lambda: BEFORE_DST)
    assert_voicemail_twiml(twiml(hook(client, "voice", workspace, voice_request(SID))), workspace)


def test_after_hours_caller_who_leaves_no_message_is_missed(client, make_account, monkeypatch):
    workspace, _ = flow_workspace(
        make_account, hours_enabled=True, voicemail_greeting=GREETING, **WEEKDAYS_9_TO_5
    )
    monkeypatch.setattr(ingest, "utcnow", lambda: BEFORE_DST)
    hook(client, "voice", workspace, voice_request(SID))
    # Twilio answered to play the greeting: the caller's leg has seconds, nobody answered.
    hook(client, "status", workspace, status_callback(SID, "completed", 12))
    assert stored_call(SID).status == "missed"


VOICEMAIL_CALLBACKS = {
    "record action": lambda: record_action(SID, 23),
    "recording": lambda: recording_status(SID, 7, 23, source="RecordVerb", channels=1),
    "transcript": lambda: transcription(SID, 7, "Hi, my sink is leaking, call me back."),
    "status": lambda: status_callback(SID, "completed", 40),
}
ROUTES = {
    "record action": "status",
    "recording": "recording",
    "transcript": "transcription",
    "status": "status",
}


@pytest.mark.parametrize(
    "order",
    [
        ("record action", "recording", "transcript", "status"),
        ("transcript", "status", "recording", "record action"),
        ("status", "transcript", "transcript", "record action", "recording", "recording"),
    ],
)
def test_voicemail_with_transcript_in_any_order_and_retries(client, voicemail_workspace, order):
    workspace = voicemail_workspace
    hook(client, "voice", workspace, voice_request(SID))
    hook(client, "status", workspace, dial_action(SID, "no-answer", 0))
    for name in order:
        assert hook(client, ROUTES[name], workspace, VOICEMAIL_CALLBACKS[name]()).status_code == 200
    call = stored_call(SID)
    assert call.status == "voicemail"
    recording = db.session.scalar(select(CallRecording))
    assert db.session.scalar(select(func.count(CallRecording.id))) == 1
    assert (recording.call_id, recording.kind) == (call.id, "voicemail")
    assert recording.provider_recording_sid == recording_sid(7)
    assert recording.transcript == "Hi, my sink is leaking, call me back."
    assert recording.transcript_status == "completed"
    assert recording.media_url == f"{RECORDINGS}/{recording_sid(7)}"
    if "recording" in order:
        assert (recording.duration_seconds, recording.channels) == (23, 1)
        assert recording.provider_status == "completed"
        assert recording.next_copy_at is not None


def test_dial_recording_is_stored_once_as_a_call_recording(client, make_account):
    workspace, _ = flow_workspace(make_account, recording_enabled=True)
    hook(client, "voice", workspace, voice_request(SID))
    hook(client, "status", workspace, dial_action(SID, "completed", 70))
    for params in itertools.repeat(recording_status(SID, 9, 70), 2):
        assert hook(client, "recording", workspace, params).status_code == 200
    recording = db.session.scalar(select(CallRecording))
    assert db.session.scalar(select(func.count(CallRecording.id))) == 1
    assert (recording.kind, recording.channels, recording.duration_seconds) == ("call", 2, 70)
    assert stored_call(SID).status == "answered"


def test_failed_transcription_keeps_the_voicemail_without_text(client, voicemail_workspace):
    workspace = voicemail_workspace
    hook(client, "voice", workspace, voice_request(SID))
    hook(client, "status", workspace, record_action(SID, 5))
    hook(client, "transcription", workspace, transcription(SID, 3, "", status="failed"))
    recording = db.session.scalar(select(CallRecording))
    assert (recording.transcript, recording.transcript_status) == (None, "failed")


@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("recording", {**recording_status(SID, 1, 5), "RecordingSid": "nope"}),
        ("recording", {**recording_status(SID, 1, 5), "RecordingUrl": "http://evil.example/x"}),
        ("transcription", {**transcription(SID, 1, "x"), "TranscriptionStatus": "weird"}),
    ],
)
def test_signed_but_unusable_callbacks_are_refused(client, voicemail_workspace, route, params):
    workspace = voicemail_workspace
    hook(client, "voice", workspace, voice_request(SID))
    assert hook(client, route, workspace, params).status_code == 400
    assert db.session.scalar(select(func.count(CallRecording.id))) == 0


@pytest.mark.parametrize("route", ["gate", "whisper", "recording", "transcription"])
def test_new_callbacks_refuse_unsigned_and_wrongly_signed_requests(
    client, voicemail_workspace, route
):
    workspace = voicemail_workspace
    path = f"/hooks/twilio/{route}/{workspace.uuid}"
    assert client.post(path, data=recording_status(SID, 1, 5)).status_code == 403
    response = client.post(
        path, data=recording_status(SID, 1, 5), headers={"X-Twilio-Signature": "bm9wZQ=="}
    )
    assert response.status_code == 403
