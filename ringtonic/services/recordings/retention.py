"""A workspace's recording retention: how long copied recordings are kept."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import RecordingSettings, Workspace
from ringtonic.models.recordings import CallRecording
from ringtonic.services.errors import ValidationError
from ringtonic.services.recordings.storage import RecordingStore, StorageError

log = logging.getLogger(__name__)
BATCH = 200

# The choices offered, in days; None keeps recordings forever.
RETENTION_CHOICES: dict[str, int | None] = {"90": 90, "365": 365, "forever": None}
RETENTION_LABELS = {"90": "90 days", "365": "1 year", "forever": "Forever"}


def get_retention_days(workspace: Workspace) -> int | None:
    """Return how many days the workspace keeps recordings (None: forever, the default)."""
    return db.session.scalar(
        select(RecordingSettings.retention_days).where(
            RecordingSettings.workspace_id == workspace.id
        )
    )


def retention_choice(days: int | None) -> str:
    """Return the choice key that names `days`."""
    return "forever" if days is None else str(days)


def set_retention(workspace: Workspace, choice: str) -> int | None:
    """Store the workspace's retention from a choice key; return the days kept."""
    if choice not in RETENTION_CHOICES:
        raise ValidationError("Choose 90 days, 1 year or forever.", field="retention")
    days = RETENTION_CHOICES[choice]
    row = db.session.scalar(
        select(RecordingSettings).where(RecordingSettings.workspace_id == workspace.id)
    )
    if row is None:
        row = RecordingSettings(workspace_id=workspace.id)
        db.session.add(row)
    row.retention_days = days
    db.session.flush()
    return days


def expire_recordings(now: datetime, store: RecordingStore) -> int:
    """Delete from storage every recording older than its workspace keeps; return how many.

    Idempotent: an expired recording is marked and never looked at again. A recording whose
    storage delete fails stays unexpired and is tried on the next run.
    """
    expired = 0
    policies = db.session.execute(
        select(RecordingSettings.workspace_id, RecordingSettings.retention_days).where(
            RecordingSettings.retention_days.is_not(None)
        )
    ).all()
    for workspace_id, days in policies:
        if days is None:  # kept forever; the query leaves these out already
            continue
        while True:
            batch = db.session.scalars(
                select(CallRecording)
                .where(
                    CallRecording.workspace_id == workspace_id,
                    CallRecording.created_at < now - timedelta(days=days),
                    CallRecording.expired_at.is_(None),
                )
                .order_by(CallRecording.id)
                .limit(BATCH)
            ).all()
            removed = _expire_batch(batch, now, store)
            expired += removed
            if len(batch) < BATCH or removed == 0:
                break
    return expired


def _expire_batch(batch: Sequence[CallRecording], now: datetime, store: RecordingStore) -> int:
    removed = 0
    for recording in batch:
        if recording.storage_key:
            try:
                store.delete(recording.storage_key)
            except StorageError as error:
                log.warning("recording %s not expired: %s", recording.id, error.message)
                continue
        recording.storage_key = None
        recording.expired_at = now
        # A copy still waiting is not made any more.
        recording.next_copy_at = None
        removed += 1
    # Short transactions: a large backlog never holds the write lock for long.
    db.session.commit()
    return removed
