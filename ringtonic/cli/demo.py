"""`flask demo ...`: the demo account a newcomer signs in with."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ringtonic.extensions import db
from ringtonic.services.accounts import create_account, find_user_by_email

demo_cli = AppGroup("demo", help="Demo account and demo data.")

DEMO_EMAIL = "demo@example.com"
DEMO_COMPANY = "Demo Agency"


def _credentials_file() -> Path:
    return Path(current_app.instance_path) / "demo-credentials.json"


def _print_sign_in(email: str, password: str) -> None:
    port = os.environ.get("PORT", "5000")
    click.echo("")
    click.echo(f"  Ring Tonic: http://127.0.0.1:{port}/login")
    click.echo(f"  Sign in with email {email}  password {password}")
    click.echo("")


@demo_cli.command("first-run")
def first_run_command() -> None:
    """Create the demo Agency account once, then print its sign-in on every start."""
    path = _credentials_file()
    if path.exists():
        saved = json.loads(path.read_text())
        if find_user_by_email(saved["email"]) is not None:
            _print_sign_in(saved["email"], saved["password"])
            return
    if find_user_by_email(DEMO_EMAIL) is not None:
        click.echo(
            f"The demo user {DEMO_EMAIL} exists but its password is not on file; "
            "set one with: flask --app wsgi users reset-password " + DEMO_EMAIL
        )
        return
    password = secrets.token_urlsafe(12)
    create_account(DEMO_COMPANY, DEMO_EMAIL, password, plan="agency")
    db.session.commit()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"email": DEMO_EMAIL, "password": password}, fh)
    _print_sign_in(DEMO_EMAIL, password)
