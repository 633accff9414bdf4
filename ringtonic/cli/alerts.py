"""`flask alerts send`: e-mail the call alerts that are due, once."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ringtonic.background.call_handling import send_alerts

alerts_cli = AppGroup("alerts", help="E-mail alerts about calls.")


@alerts_cli.command("send")
def send_command() -> None:
    """Queue and e-mail every alert that is due (the periodic job runs the same)."""
    smtp = current_app.config.get("RINGTONIC_SMTP")
    if smtp is None:
        raise click.ClickException("No mail server: set RINGTONIC_SMTP_URL to send alerts.")
    run = send_alerts()
    click.echo(f"{run.queued} queued, {run.sent} sent, {run.failed} given up.")
