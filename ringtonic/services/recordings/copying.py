"""Copy finished recordings from Twilio into our own storage, durably and once.

A recording waits with `next_copy_at` set (the intake sets it when Twilio reports the
recording completed). Each run claims due rows one by one (a conditional UPDATE, so two
workers never copy the same one), downloads, stores, and commits after each step; a failure
is written down and tried again later with a growing delay.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from ringtonic.extensions import db
from ringtonic.models import Workspace
from ringtonic.models.recordings import CallRecording
from ringtonic.services.recordings.storage import RecordingStore, StorageError, recording_key
from ringtonic.services.recordings.twilio_media import (
    DownloadFailed,
    delete_from_twilio,
    download_recording,
)
from ringtonic.services.telephony.credentials import get_auth_token, get_credentials

log = logging.getLogger(__name__)

# A claimed copy whose worker died is taken again after this.
CLAIM_LEASE = timedelta(minutes=10)
# After this many failed tries (about two days of backoff) the copy is given up.
MAX_COPY_ATTEMPTS = 12
BATCH = 50


@dataclass(frozen=True)
class TwilioMediaAccess:
    """How to reach Twilio's recordings: the API host and the key that decrypts auth tokens."""

    api_url: str
    secret_key: str
    delete_after_copy: bool = False


@dataclass(frozen=True)
class CopyRun:
    """What one run did."""

    copied: int
    failed: int
    deleted_from_provider: int


def copy_retry_delay(attempts: int) -> timedelta:
    """Return the wait after `attempts` failed tries: 1, 2, 4 ... minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(recording_id: int, now: datetime) -> bool:
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(CallRecording)
            .where(
                CallRecording.id == recording_id,
                CallRecording.copied_at.is_(None),
                CallRecording.expired_at.is_(None),
                CallRecording.next_copy_at <= now,
            )
            .values(copy_attempts=CallRecording.copy_attempts + 1, next_copy_at=now + CLAIM_LEASE)
        ),
    ).rowcount
    db.session.commit()
    return claimed == 1


def _copy_one(recording: CallRecording, store: RecordingStore, access: TwilioMediaAccess) -> str:
    """Download and store one recording; return its storage key."""
    workspace = db.session.get_one(Workspace, recording.workspace_id)
    credentials = get_credentials(workspace)
    token = get_auth_token(workspace, access.secret_key) if credentials else None
    if credentials is None or token is None:
        raise DownloadFailed("The workspace has no working Twilio credentials.")
    key = recording_key(str(workspace.uuid), recording.provider_recording_sid)
    with tempfile.TemporaryFile() as audio:
        download_recording(
            access.api_url,
            credentials.account_sid,
            token,
            recording.provider_recording_sid,
            audio,
        )
        store.put(key, audio, "audio/wav")
    return key


def _failed(recording: CallRecording, error: str, now: datetime) -> bool:
    """Write the failure down; return True when the copy is given up."""
    recording.last_copy_error = error[:500]
    if recording.copy_attempts >= MAX_COPY_ATTEMPTS:
        recording.next_copy_at = None
        log.warning("recording %s not copied, given up: %s", recording.id, error)
        return True
    recording.next_copy_at = now + copy_retry_delay(recording.copy_attempts)
    return False


def _delete_at_twilio(recording: CallRecording, access: TwilioMediaAccess, now: datetime) -> bool:
    workspace = db.session.get_one(Workspace, recording.workspace_id)
    credentials = get_credentials(workspace)
    token = get_auth_token(workspace, access.secret_key) if credentials else None
    if credentials is None or token is None:
        return False
    try:
        delete_from_twilio(
            access.api_url, credentials.account_sid, token, recording.provider_recording_sid
        )
    except DownloadFailed as error:
        log.warning("recording %s not deleted at Twilio: %s", recording.id, error.message)
        return False
    recording.deleted_from_provider_at = now
    return True


def copy_pending_recordings(
    now: datetime, store: RecordingStore, access: TwilioMediaAccess
) -> CopyRun:
    """Copy every recording due at `now`; safe to run again, and on several workers at once."""
    copied = failed = deleted = 0
    due = db.session.scalars(
        select(CallRecording.id)
        .where(
            CallRecording.copied_at.is_(None),
            CallRecording.next_copy_at.is_not(None),
            CallRecording.next_copy_at <= now,
            CallRecording.expired_at.is_(None),
        )
        .order_by(CallRecording.next_copy_at, CallRecording.id)
        .limit(BATCH)
    ).all()
    for recording_id in due:
        if not _claim(recording_id, now):
            continue
        recording = db.session.get(CallRecording, recording_id)
        if recording is None:  # deleted with its call or workspace since it was claimed
            continue
        try:
            key = _copy_one(recording, store, access)
        except (DownloadFailed, StorageError) as error:
            failed += _failed(recording, error.message, now)
        else:
            recording.storage_key = key
            recording.copied_at = now
            recording.next_copy_at = None
            recording.last_copy_error = ""
            copied += 1
        db.session.commit()
    if access.delete_after_copy:
        deleted = _delete_copied_at_twilio(now, access)
    return CopyRun(copied=copied, failed=failed, deleted_from_provider=deleted)


def _delete_copied_at_twilio(now: datetime, access: TwilioMediaAccess) -> int:
    """Delete at Twilio every copied recording still there (a failed delete is tried again)."""
    deleted = 0
    waiting = db.session.scalars(
        select(CallRecording)
        .where(
            CallRecording.copied_at.is_not(None),
            CallRecording.deleted_from_provider_at.is_(None),
        )
        # Newest first: a few that Twilio keeps refusing never hold the rest back.
        .order_by(CallRecording.copied_at.desc(), CallRecording.id.desc())
        .limit(BATCH)
    ).all()
    for recording in waiting:
        deleted += _delete_at_twilio(recording, access, now)
        db.session.commit()
    return deleted
