"""`flask recordings copy|expire`: run the recording jobs once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ringtonic.background.call_handling import copy_recordings, expire_old_recordings

recordings_cli = AppGroup("recordings", help="Call recordings: copy from Twilio, retention.")


@recordings_cli.command("copy")
def copy_command() -> None:
    """Copy every finished recording that is due from Twilio into recording storage."""
    run = copy_recordings()
    click.echo(
        f"{run.copied} copied, {run.failed} given up, "
        f"{run.deleted_from_provider} deleted at Twilio."
    )


@recordings_cli.command("expire")
def expire_command() -> None:
    """Delete recordings older than their workspace keeps them."""
    click.echo(f"{expire_old_recordings()} recordings deleted.")
