"""`flask db backup PATH` and `flask db restore PATH`: they join Flask-Migrate's `db` group."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ringtonic.extensions import db
from ringtonic.services.backups import (
    backup_database,
    check_backup,
    restore_database,
    sqlite_file,
)
from ringtonic.services.errors import ServiceError


def _database_file() -> Path:
    try:
        return sqlite_file(current_app.config["SQLALCHEMY_DATABASE_URI"])
    except ServiceError as error:
        raise click.ClickException(error.message) from None


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the SQLite database to PATH while it is in use (a consistent snapshot)."""
    source = _database_file()
    try:
        size = backup_database(source, path)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Backed up {source} to {path} ({size:,} bytes); integrity check ok.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Restore without asking for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup at PATH; the current data is kept aside."""
    target = _database_file()
    try:
        check_backup(path)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    if not yes:
        click.confirm(
            f"Replace ALL data in {target} with the backup {path}?", default=False, abort=True
        )
    # Close this process's own connections first: they would hold stale pages.
    db.engine.dispose()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = target.with_name(f"{target.name}.before-restore-{stamp}")
    try:
        if target.is_file():
            backup_database(target, aside)
        restore_database(path, target)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    kept = f" The data it replaced is in {aside}." if aside.is_file() else ""
    click.echo(f"Restored {target} from {path}.{kept}")


DATABASE_COMMANDS = (backup_command, restore_command)
