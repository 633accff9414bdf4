"""Workspaces: one per client business, limited by plan."""

from __future__ import annotations

import uuid
from functools import cache
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ringtonic.extensions import db
from ringtonic.models import Account, User, Workspace
from ringtonic.services.audit import record_event
from ringtonic.services.errors import Conflict, NotFound, PlanRequired, ValidationError
from ringtonic.services.names import clean_name, name_key
from ringtonic.services.public_ids import parse_public_id

DEFAULT_TIME_ZONE = "America/New_York"
NAME_MAX = 100
INDIE_WORKSPACE_LIMIT = 1
TAKEN = "A workspace with this name already exists."


@cache
def time_zone_names() -> tuple[str, ...]:
    """Return the sorted IANA time zone names this system knows."""
    return tuple(sorted(available_timezones()))


def check_time_zone(raw: str, field: str = "time_zone") -> str:
    """Return the IANA zone name or raise ValidationError."""
    name = (raw or "").strip()
    if name not in time_zone_names():
        raise ValidationError("Choose a time zone from the list (IANA names).", field)
    return name


def check_workspace_name(raw: str) -> str:
    """Return the trimmed workspace name or raise ValidationError."""
    return clean_name(
        raw, field="name", label="Name", max_length=NAME_MAX, missing="Enter a workspace name."
    )


def list_workspaces(account: Account) -> list[Workspace]:
    """Return the account's workspaces, oldest first."""
    return list(
        db.session.scalars(
            select(Workspace).where(Workspace.account_id == account.id).order_by(Workspace.id)
        )
    )


def get_workspace(account: Account, workspace_uuid: str | uuid.UUID) -> Workspace:
    """Return the account's workspace with this uuid or raise NotFound."""
    wanted = parse_public_id(workspace_uuid, "Workspace not found.")
    workspace: Workspace | None = db.session.scalar(
        select(Workspace).where(Workspace.account_id == account.id, Workspace.uuid == wanted)
    )
    if workspace is None:
        raise NotFound("Workspace not found.")
    return workspace


def can_add_workspace(account: Account) -> bool:
    """Return whether the plan allows one more workspace."""
    if account.is_agency:
        return True
    count = db.session.execute(
        select(func.count(Workspace.id)).where(Workspace.account_id == account.id)
    ).scalar_one()
    return count < INDIE_WORKSPACE_LIMIT


def _check_name_free(account: Account, name: str, except_id: int | None = None) -> None:
    # Compared by stored key (NFKC, case folded), not lower(): SQLite's is ASCII-only.
    query = select(Workspace.id).where(
        Workspace.account_id == account.id, Workspace.name_key == name_key(name)
    )
    if except_id is not None:
        query = query.where(Workspace.id != except_id)
    if db.session.scalar(query) is not None:
        raise Conflict(TAKEN, "name")


def _flush_unique(workspace: Workspace) -> None:
    # Two people saving the same name at once: the unique index decides, and the loser
    # gets the same field error as the check above instead of a server error.
    try:
        with db.session.begin_nested():
            db.session.add(workspace)
            db.session.flush()
    except IntegrityError:
        raise Conflict(TAKEN, "name") from None


def create_workspace(
    account: Account, name: str, time_zone: str, actor: User | None = None, ip: str | None = None
) -> Workspace:
    """Create a workspace if the plan allows it."""
    checked_name = check_workspace_name(name)
    zone = check_time_zone(time_zone)
    if not can_add_workspace(account):
        raise PlanRequired("The Indie plan includes one workspace. Upgrade to Agency for more.")
    _check_name_free(account, checked_name)
    workspace = Workspace(account_id=account.id, name=checked_name, time_zone=zone)
    _flush_unique(workspace)
    record_event(
        actor,
        "workspace.created",
        account_id=account.id,
        workspace=workspace,
        target=checked_name,
        ip=ip,
    )
    return workspace


def update_workspace(
    workspace: Workspace,
    name: str,
    time_zone: str,
    actor: User | None = None,
    ip: str | None = None,
) -> Workspace:
    """Rename a workspace and set its time zone."""
    checked_name = check_workspace_name(name)
    zone = check_time_zone(time_zone)
    _check_name_free(workspace.account, checked_name, except_id=workspace.id)
    previous = workspace.name
    workspace.name = checked_name
    workspace.time_zone = zone
    _flush_unique(workspace)
    record_event(
        actor,
        "workspace.updated",
        account_id=workspace.account_id,
        workspace=workspace,
        target=checked_name,
        ip=ip,
        details={"previous_name": previous, "time_zone": zone},
    )
    return workspace
