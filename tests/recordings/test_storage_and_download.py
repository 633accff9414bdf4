"""Recording storage (local folder and S3-compatible) and the download from Twilio's media host."""

from __future__ import annotations

import io
import tempfile
import uuid
import wave
from pathlib import Path

import pytest

from ringtonic.config import ConfigError, RecordingStorageSettings, from_environment
from ringtonic.services.recordings.storage import (
    FolderStore,
    RecordingMissing,
    S3Store,
    StorageError,
    open_store,
    recording_key,
)
from ringtonic.services.recordings.twilio_media import (
    DownloadFailed,
    delete_from_twilio,
    download_recording,
)
from tests.support.recording_servers import BUCKET, wav_bytes
from tests.support.telephony_helpers import ACCOUNT_SID, AUTH_TOKEN

SID = "RE" + "ab" * 16
KEY = recording_key(str(uuid.UUID(int=1)), SID)


def recordings_setting(env: dict, instance: Path = Path("/srv/ringtonic")):
    return from_environment({"SECRET_KEY": "s" * 40, **env}, instance)["RINGTONIC_RECORDINGS"]


def test_recordings_default_to_the_instance_folder():
    assert recordings_setting({}) == RecordingStorageSettings(folder="/srv/ringtonic/recordings")


def test_an_s3_url_names_bucket_prefix_and_endpoint():
    settings = recordings_setting(
        {
            "RINGTONIC_RECORDINGS_URL": "s3://agency-calls/ringtonic/recordings/",
            "RINGTONIC_RECORDINGS_S3_ENDPOINT": "http://minio.internal:9000",
        }
    )
    assert settings == RecordingStorageSettings(
        bucket="agency-calls",
        prefix="ringtonic/recordings",
        endpoint_url="http://minio.internal:9000",
    )


@pytest.mark.parametrize(
    "env",
    [
        {"RINGTONIC_RECORDINGS_URL": "s3://"},
        {"RINGTONIC_RECORDINGS_URL": "ftp://host/recordings"},
        {"RINGTONIC_RECORDINGS_URL": "relative/folder"},
        {"RINGTONIC_RECORDINGS_URL": "s3://b", "RINGTONIC_RECORDINGS_S3_ENDPOINT": "minio:9000"},
        {"RINGTONIC_TWILIO_API_URL": "api.twilio.com"},
        # An unclosed IPv6 bracket: urlsplit raises on it, which must not escape as a crash.
        {"RINGTONIC_RECORDINGS_URL": "s3://[bucket"},
        {"RINGTONIC_RECORDINGS_URL": "s3://b", "RINGTONIC_RECORDINGS_S3_ENDPOINT": "http://[::1"},
        {"RINGTONIC_TWILIO_API_URL": "https://[::1"},
    ],
)
def test_bad_recording_settings_name_their_variable(env):
    with pytest.raises(ConfigError, match="RINGTONIC_(RECORDINGS|TWILIO)"):
        recordings_setting(env)


def test_keys_are_built_from_ids_only():
    with pytest.raises(StorageError):
        recording_key("../../etc", SID)
    with pytest.raises(StorageError):
        FolderStore("/nowhere").path("../secret_key")


def _round_trip(store) -> None:
    audio = wav_bytes(0.5)
    store.put(KEY, io.BytesIO(audio), "audio/wav")
    assert store.size(KEY) == len(audio)
    assert store.read(KEY, 0, 12)[:4] == b"RIFF"
    assert store.read(KEY, 100, 200) == audio[100:200]
    assert store.read(KEY, 0, len(audio)) == audio
    store.delete(KEY)
    store.delete(KEY)  # already gone: still fine
    with pytest.raises(RecordingMissing):
        store.size(KEY)
    with pytest.raises(RecordingMissing):
        store.read(KEY, 0, 10)


def test_the_folder_store_keeps_reads_and_deletes(tmp_path):
    store = open_store(RecordingStorageSettings(folder=str(tmp_path)))
    _round_trip(store)


def test_the_s3_store_keeps_reads_and_deletes_under_its_prefix(s3_endpoint, s3_bucket):
    store = open_store(
        RecordingStorageSettings(bucket=BUCKET, prefix="ringtonic", endpoint_url=s3_endpoint)
    )
    assert isinstance(store, S3Store)
    store.put(KEY, io.BytesIO(b"RIFFdata"), "audio/wav")
    head = s3_bucket.head_object(Bucket=BUCKET, Key=f"ringtonic/{KEY}")
    assert head["ContentType"] == "audio/wav"
    store.delete(KEY)
    _round_trip(store)


def test_an_unreachable_s3_store_is_a_storage_error(s3_bucket):
    store = S3Store(BUCKET, "", "http://127.0.0.1:9")
    with pytest.raises(StorageError):
        store.put(KEY, io.BytesIO(b"RIFF"), "audio/wav")


def test_the_wav_comes_from_twilio_with_the_workspace_credentials(twilio_media):
    audio = wav_bytes(1.0)
    twilio_media.recordings[SID] = audio
    with tempfile.TemporaryFile() as target:
        size = download_recording(twilio_media.url, ACCOUNT_SID, AUTH_TOKEN, SID, target)
        assert size == len(audio)
        with wave.open(target, "rb") as played:
            assert (played.getframerate(), played.getnframes()) == (8000, 8000)
    assert twilio_media.requests == [
        ("GET", f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{SID}.wav")
    ]


def test_a_failing_media_host_is_retried_with_backoff(twilio_media):
    twilio_media.recordings[SID] = wav_bytes(0.2)
    twilio_media.failures_to_come = 2
    with tempfile.TemporaryFile() as target:
        download_recording(twilio_media.url, ACCOUNT_SID, AUTH_TOKEN, SID, target, backoff=0.01)
    assert len(twilio_media.requests) == 3

    twilio_media.failures_to_come = 3
    with tempfile.TemporaryFile() as target, pytest.raises(DownloadFailed, match="503"):
        download_recording(twilio_media.url, ACCOUNT_SID, AUTH_TOKEN, SID, target, backoff=0.01)


@pytest.mark.parametrize(
    ("token", "sid", "message"),
    [
        ("wrong-token" + "0" * 21, SID, "401"),
        (AUTH_TOKEN, "RE" + "cd" * 16, "404"),
        (AUTH_TOKEN, "../../../etc/passwd", "Not a Twilio"),
    ],
)
def test_refused_or_unknown_recordings_fail_clearly(twilio_media, token, sid, message):
    twilio_media.recordings[SID] = wav_bytes(0.2)
    with tempfile.TemporaryFile() as target, pytest.raises(DownloadFailed, match=message):
        download_recording(twilio_media.url, ACCOUNT_SID, token, sid, target, backoff=0.01)


def test_an_unreachable_media_host_fails_without_leaking_the_token():
    with tempfile.TemporaryFile() as target, pytest.raises(DownloadFailed) as failure:
        download_recording("http://127.0.0.1:9", ACCOUNT_SID, AUTH_TOKEN, SID, target, backoff=0)
    assert AUTH_TOKEN not in str(failure.value)


def test_deleting_at_twilio_is_done_once_and_gone_counts_as_deleted(twilio_media):
    twilio_media.recordings[SID] = wav_bytes(0.2)
    delete_from_twilio(twilio_media.url, ACCOUNT_SID, AUTH_TOKEN, SID)
    delete_from_twilio(twilio_media.url, ACCOUNT_SID, AUTH_TOKEN, SID)
    assert twilio_media.deleted == [SID]


def test_storage_settings_without_a_folder_or_a_bucket_are_refused_clearly():
    with pytest.raises(ConfigError, match="folder or a bucket"):
        open_store(RecordingStorageSettings())
