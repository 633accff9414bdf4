"""`flask handling ...`: upkeep of call handling (the Blocked calls log)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ringtonic.services.handling.blocks import purge_blocked_calls

handling_cli = AppGroup("handling", help="Blocked numbers and the Blocked calls log.")


@handling_cli.command("purge-blocked-calls")
def purge_blocked_calls_command() -> None:
    """Delete blocked-call attempts older than 90 days (safe to run any time, repeatedly)."""
    removed = purge_blocked_calls()
    click.echo(f"{removed} blocked calls older than 90 days removed.")
