"""`flask rollups ...`: recount the call rollups behind reports and geo-data."""

from __future__ import annotations

import sys
import uuid

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Workspace
from ringtonic.services.reporting.rollups import rebuild_rollups, stored_call_count

rollups_cli = AppGroup("rollups", help="Call rollups behind reports and geo-data.")


def _workspaces(workspace_uuid: str | None) -> list[Workspace]:
    if workspace_uuid is None:
        return list(db.session.scalars(select(Workspace).order_by(Workspace.id)))
    try:
        wanted = uuid.UUID(workspace_uuid)
    except ValueError:
        raise click.BadParameter("not a workspace UUID", param_hint="--workspace") from None
    workspace = db.session.scalar(select(Workspace).where(Workspace.uuid == wanted))
    if workspace is None:
        raise click.ClickException(f"No workspace with UUID {workspace_uuid}.")
    return [workspace]


@rollups_cli.command("rebuild")
@click.option("--workspace", "workspace_uuid", help="Only this workspace (its UUID).")
def rebuild_command(workspace_uuid: str | None) -> None:
    """Recount the rollups from the calls, one transaction per workspace.

    The app keeps the rollups up to date by itself; rebuild after restoring calls from a
    backup or editing the calls table by hand. Call writes to a workspace wait while it
    is recounted.
    """
    total = 0
    for workspace in _workspaces(workspace_uuid):
        label = f"{workspace.name} ({workspace.uuid})"
        length = stored_call_count(workspace.id)
        with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
            total += rebuild_rollups(workspace.id, bar.update)
        db.session.commit()
    click.echo(f"Recounted the rollups of {total:,} calls.")
