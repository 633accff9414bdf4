"""Read and save a user's alert choices for one workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import AlertPreference, User, Workspace
from ringtonic.services.errors import NotFound


@dataclass(frozen=True)
class AlertChoices:
    """What one user wants to be e-mailed about in one workspace."""

    missed_call: bool = False
    voicemail: bool = False
    first_time_caller: bool = False
    blocked_spike: bool = False


def get_choices(user: User, workspace: Workspace) -> AlertChoices:
    """Return the user's choices for the workspace (all off when never saved)."""
    row = _row(user, workspace)
    if row is None:
        return AlertChoices()
    return AlertChoices(
        missed_call=row.missed_call,
        voicemail=row.voicemail,
        first_time_caller=row.first_time_caller,
        blocked_spike=row.blocked_spike,
    )


def save_choices(user: User, workspace: Workspace, choices: AlertChoices, now: datetime) -> None:
    """Store the user's choices; calls before `now` never alert for a newly chosen kind."""
    if workspace.account_id != user.account_id:
        raise NotFound("No such workspace.")
    row = _row(user, workspace)
    if row is None:
        row = AlertPreference(user_id=user.id, workspace_id=workspace.id, active_since=now)
        db.session.add(row)
    else:
        was_on = any(get_choices(user, workspace).__dict__.values())
        if not was_on:
            row.active_since = now
    row.missed_call = choices.missed_call
    row.voicemail = choices.voicemail
    row.first_time_caller = choices.first_time_caller
    row.blocked_spike = choices.blocked_spike
    db.session.flush()


def _row(user: User, workspace: Workspace) -> AlertPreference | None:
    return db.session.scalar(
        select(AlertPreference).where(
            AlertPreference.user_id == user.id, AlertPreference.workspace_id == workspace.id
        )
    )
