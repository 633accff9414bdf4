"""Operator commands: `flask --app wsgi GROUP COMMAND`."""

from flask import Flask
from flask_migrate.cli import db as db_cli

from ringtonic.cli.accounts import accounts_cli, users_cli
from ringtonic.cli.alerts import alerts_cli
from ringtonic.cli.calls import calls_cli
from ringtonic.cli.database import DATABASE_COMMANDS
from ringtonic.cli.demo import demo_cli
from ringtonic.cli.handling import handling_cli
from ringtonic.cli.recordings import recordings_cli
from ringtonic.cli.rollups import rollups_cli


def init_app(app: Flask) -> None:
    """Register every command group."""
    for group in (
        accounts_cli,
        users_cli,
        demo_cli,
        calls_cli,
        rollups_cli,
        alerts_cli,
        handling_cli,
        recordings_cli,
    ):
        app.cli.add_command(group)
    # `flask db backup` / `flask db restore` sit beside `flask db upgrade`.
    for command in DATABASE_COMMANDS:
        db_cli.add_command(command)
