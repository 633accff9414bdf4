"""A workspace's recording retention: how long copied recordings are kept."""

from __future__ import annotations

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import RecordingSettings, Workspace
from ringtonic.services.errors import ValidationError

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
