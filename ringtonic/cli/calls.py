"""`flask calls ...`: import calls from CSV files, list imports and roll one back."""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Workspace
from ringtonic.services.calls.import_runs import get_import, list_imports, rollback_import
from ringtonic.services.calls.imports import ImportRejected, import_calls

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar returns
from ringtonic.services.errors import ServiceError

calls_cli = AppGroup("calls", help="Import calls, list imports, roll an import back.")


def _workspace(workspace_uuid: str) -> Workspace:
    try:
        wanted = uuid.UUID(workspace_uuid)
    except ValueError:
        raise click.BadParameter("not a workspace UUID", param_hint="--workspace") from None
    workspace = db.session.scalar(select(Workspace).where(Workspace.uuid == wanted))
    if workspace is None:
        raise click.ClickException(f"No workspace with UUID {workspace_uuid}.")
    return workspace


class _ProgressBars:
    """Show one progress bar per stage of the import (checking, then saving)."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar: ProgressBar[int] | None = None
        self.shown = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.shown = stage, 0
            self.bar = click.progressbar(length=total, label=stage, file=sys.stderr)
        if self.bar is not None:
            self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None


@calls_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--workspace", "workspace_uuid", required=True, help="UUID of the workspace.")
def import_command(file: str, workspace_uuid: str) -> None:
    """Import calls from the CSV FILE into a workspace: every row, or none if any is bad."""
    workspace = _workspace(workspace_uuid)
    bars = _ProgressBars()
    try:
        with open(file, "rb") as stream:
            result = import_calls(
                workspace, stream, filename=click.format_filename(file), progress=bars
            )
    except ImportRejected as rejection:
        db.session.rollback()
        bars.close()
        for problem in rejection.problems:
            column = f", {problem.column}" if problem.column else ""
            click.echo(f"line {problem.line}{column}: {problem.reason}", err=True)
        hidden = rejection.total - len(rejection.problems)
        if hidden:
            click.echo(f"... and {hidden:,} more.", err=True)
        raise click.ClickException(rejection.message) from None
    except ServiceError as error:
        db.session.rollback()
        bars.close()
        raise click.ClickException(error.message) from None
    bars.close()
    click.echo(f"Imported {result.imported:,} calls; skipped {result.skipped:,} already imported.")
    if result.ignored_columns:
        click.echo(f"Ignored columns: {', '.join(result.ignored_columns)}.")


@calls_cli.command("imports")
@click.option("--workspace", "workspace_uuid", required=True, help="UUID of the workspace.")
def imports_command(workspace_uuid: str) -> None:
    """List a workspace's latest imports, newest first."""
    records = list_imports(_workspace(workspace_uuid))
    if not records:
        click.echo("No imports yet.")
    for record in records:
        click.echo(
            f"{record.uuid}  {record.created_at:%Y-%m-%d %H:%M}  {record.status:<12}  "
            f"{record.imported:>7,} imported  {record.skipped:>7,} skipped  {record.filename}"
        )


@calls_cli.command("rollback-import")
@click.argument("import_uuid")
@click.option("--workspace", "workspace_uuid", required=True, help="UUID of the workspace.")
def rollback_import_command(import_uuid: str, workspace_uuid: str) -> None:
    """Remove the calls an import added: a completed one, or one cut off while running."""
    workspace = _workspace(workspace_uuid)
    bars = _ProgressBars()
    try:
        record = get_import(workspace, import_uuid)
        removed = rollback_import(workspace, record, progress=bars)
    except ServiceError as error:
        db.session.rollback()
        bars.close()
        raise click.ClickException(error.message) from None
    bars.close()
    click.echo(f"Rolled back: removed {removed:,} calls.")
