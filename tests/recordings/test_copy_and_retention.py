"""Copying recordings from Twilio (with retries) and expiring them, on a folder and on S3."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from ringtonic.config import RecordingStorageSettings
from ringtonic.extensions import db
from ringtonic.models.recordings import CallRecording
from ringtonic.models.types import utcnow
from ringtonic.services.recordings.copying import (
    MAX_COPY_ATTEMPTS,
    CopyRun,
    TwilioMediaAccess,
    copy_pending_recordings,
)
from ringtonic.services.recordings.retention import expire_recordings, set_retention
from ringtonic.services.recordings.storage import RecordingMissing, open_store
from tests.support.call_builders import add_call
from tests.support.recording_servers import BUCKET, wav_bytes
from tests.support.telephony_helpers import ACCOUNT_SID, connect_twilio
from tests.support.web_client import TEST_SECRET

_sids = itertools.count(1)


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    """The recording store, once as a local folder and once as an S3-compatible bucket."""
    if request.param == "folder":
        return open_store(RecordingStorageSettings(folder=str(tmp_path / "recordings")))
    endpoint = request.getfixturevalue("s3_endpoint")
    request.getfixturevalue("s3_bucket")
    return open_store(
        RecordingStorageSettings(bucket=BUCKET, prefix="calls", endpoint_url=endpoint)
    )


@pytest.fixture
def workspace(make_account):
    _, _, workspace = make_account(plan="agency")
    connect_twilio(workspace)
    return workspace


def add_recording(workspace, twilio_media, *, age=timedelta(0), kind="call") -> CallRecording:
    """A finished recording as the recording callback leaves it: waiting for its copy."""
    created = utcnow() - age
    call = add_call(workspace, created, status="answered")
    db.session.flush()
    sid = f"RE{next(_sids):032x}"
    twilio_media.recordings[sid] = wav_bytes(0.5)
    recording = CallRecording(
        workspace_id=workspace.id,
        call_id=call.id,
        provider_recording_sid=sid,
        kind=kind,
        media_url=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}",
        duration_seconds=31,
        provider_status="completed",
        created_at=created,
        next_copy_at=created,
    )
    db.session.add(recording)
    db.session.commit()
    return recording


def access(twilio_media, delete: bool = False) -> TwilioMediaAccess:
    return TwilioMediaAccess(twilio_media.url, TEST_SECRET, delete_after_copy=delete)


def test_a_recording_is_copied_once_with_retries_when_twilio_fails(
    app, workspace, twilio_media, store
):
    recording = add_recording(workspace, twilio_media)
    audio = twilio_media.recordings[recording.provider_recording_sid]
    now = utcnow()
    twilio_media.failures_to_come = 3  # every immediate retry of the first run fails

    run = copy_pending_recordings(now, store, access(twilio_media))
    assert (run.copied, run.failed) == (0, 0)
    db.session.refresh(recording)
    assert recording.copy_attempts == 1 and recording.copied_at is None
    assert "503" in recording.last_copy_error
    assert recording.next_copy_at == now + timedelta(minutes=1)

    asked = len(twilio_media.requests)
    assert copy_pending_recordings(now, store, access(twilio_media)).copied == 0
    assert len(twilio_media.requests) == asked  # not before its backoff

    later = now + timedelta(minutes=2)
    assert copy_pending_recordings(later, store, access(twilio_media)).copied == 1
    db.session.refresh(recording)
    assert recording.copied_at == later and recording.last_copy_error == ""
    assert store.read(recording.storage_key, 0, store.size(recording.storage_key)) == audio
    assert recording.storage_key.endswith(f"{recording.provider_recording_sid}.wav")

    asked = len(twilio_media.requests)
    assert copy_pending_recordings(later + timedelta(hours=1), store, access(twilio_media)) == (
        copy_pending_recordings(later, store, access(twilio_media))
    )
    assert len(twilio_media.requests) == asked
    assert recording.deleted_from_provider_at is None
    assert twilio_media.deleted == []


def test_a_copy_can_delete_the_recording_at_twilio(app, workspace, twilio_media, store):
    recording = add_recording(workspace, twilio_media)
    run = copy_pending_recordings(utcnow(), store, access(twilio_media, delete=True))
    assert (run.copied, run.deleted_from_provider) == (1, 1)
    assert twilio_media.deleted == [recording.provider_recording_sid]
    db.session.refresh(recording)
    assert recording.deleted_from_provider_at is not None
    assert copy_pending_recordings(utcnow(), store, access(twilio_media, delete=True)) == CopyRun(
        0, 0, 0
    )


def test_a_copy_that_keeps_failing_is_given_up(app, workspace, twilio_media, store):
    recording = add_recording(workspace, twilio_media)
    del twilio_media.recordings[recording.provider_recording_sid]  # Twilio answers 404
    moment = utcnow()
    for _ in range(MAX_COPY_ATTEMPTS):
        copy_pending_recordings(moment, store, access(twilio_media))
        moment += timedelta(hours=7)
    db.session.refresh(recording)
    assert recording.next_copy_at is None and recording.copied_at is None
    assert "404" in recording.last_copy_error
    assert recording.copy_attempts == MAX_COPY_ATTEMPTS


def test_recordings_past_the_retention_are_deleted_once(app, workspace, twilio_media, store):
    old = add_recording(workspace, twilio_media, age=timedelta(days=91))
    recent = add_recording(workspace, twilio_media, age=timedelta(days=10))
    waiting = add_recording(workspace, twilio_media, age=timedelta(days=95))
    copy_pending_recordings(utcnow(), store, access(twilio_media))
    db.session.refresh(old)
    old_key = old.storage_key
    # A copy that could not be made yet is expired too, and never made afterwards.
    waiting.copied_at, waiting.storage_key = None, None
    waiting.next_copy_at = utcnow() + timedelta(hours=1)
    db.session.commit()

    assert expire_recordings(utcnow(), store) == 0  # kept forever by default
    set_retention(workspace, "90")
    db.session.commit()
    assert expire_recordings(utcnow(), store) == 2
    with pytest.raises(RecordingMissing):
        store.size(old_key)
    for recording in (old, waiting):
        db.session.refresh(recording)
        assert recording.expired_at is not None and recording.storage_key is None
    db.session.refresh(recent)
    assert recent.expired_at is None and store.size(recent.storage_key) > 0
    assert expire_recordings(utcnow(), store) == 0
    assert copy_pending_recordings(
        utcnow() + timedelta(days=1), store, access(twilio_media)
    ) == CopyRun(0, 0, 0)
    expired = db.session.scalars(
        select(CallRecording.id).where(CallRecording.expired_at.is_not(None))
    ).all()
    assert sorted(expired) == sorted([old.id, waiting.id])


def test_the_operator_commands_copy_and_expire_once(app, workspace, twilio_media, tmp_path):
    app.config["RINGTONIC_TWILIO_API_URL"] = twilio_media.url
    app.config["RINGTONIC_RECORDINGS_DELETE_FROM_TWILIO"] = True
    app.config["RINGTONIC_RECORDINGS"] = RecordingStorageSettings(folder=str(tmp_path / "cli"))
    recording = add_recording(workspace, twilio_media, age=timedelta(days=400))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["recordings", "copy"])
    assert result.exit_code == 0, result.output
    assert result.output == "1 copied, 0 given up, 1 deleted at Twilio.\n"
    db.session.refresh(recording)
    assert (tmp_path / "cli" / recording.storage_key).is_file()
    assert runner.invoke(args=["recordings", "copy"]).output.startswith("0 copied")

    set_retention(workspace, "365")
    db.session.commit()
    assert runner.invoke(args=["recordings", "expire"]).output == "1 recordings deleted.\n"
    assert runner.invoke(args=["recordings", "expire"]).output == "0 recordings deleted.\n"
    assert list((tmp_path / "cli").rglob("*.wav")) == []
