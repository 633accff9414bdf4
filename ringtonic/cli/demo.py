"""`flask demo ...`: the demo account a newcomer signs in with, and its demo data."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ringtonic.extensions import db
from ringtonic.models import Account
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.accounts import create_account, find_user_by_email
from ringtonic.services.demo.data import (
    delete_calls,
    ensure_demo_clients,
    generate_call_batches,
    insert_calls,
)
from ringtonic.services.demo.website import add_demo_visits, ensure_demo_websites
from ringtonic.services.errors import ServiceError

demo_cli = AppGroup("demo", help="Demo account and demo data.")

DEMO_EMAIL = "demo@example.com"
DEMO_COMPANY = "Demo Agency"
FIRST_RUN_CALLS = 5_000


def _credentials_file() -> Path:
    return Path(current_app.instance_path) / "demo-credentials.json"


def _print_sign_in(email: str, password: str) -> None:
    port = os.environ.get("PORT", "5000")
    click.echo("")
    click.echo(f"  Ring Tonic: http://127.0.0.1:{port}/login")
    click.echo(f"  Sign in with email {email}  password {password}")
    click.echo("")


def _create_demo_account() -> tuple[Account, str]:
    """Create the demo Agency account and save its generated password."""
    password = secrets.token_urlsafe(12)
    account, _, _ = create_account(DEMO_COMPANY, DEMO_EMAIL, password, plan="agency")
    db.session.commit()
    path = _credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"email": DEMO_EMAIL, "password": password}, fh)
    return account, password


def _seed(account: Account, count: int, seed: int) -> None:
    """Replace the demo clients' calls with `count` generated ones, committing per batch."""
    now = utcnow()
    try:
        clients = ensure_demo_clients(account, now)
        ensure_demo_websites(clients, now)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(f"Cannot set up the demo workspaces: {error.message}") from None
    removed = delete_calls(clients)
    db.session.commit()
    batches = generate_call_batches(clients, count, seed, now)
    with click.progressbar(length=count, label="Adding demo calls") as bar:
        for rows in batches:
            insert_calls(rows)
            db.session.commit()
            bar.update(len(rows))
    visits = 0
    for seeded in clients:
        visits += add_demo_visits(seeded, seed, now)
        db.session.commit()
    names = ", ".join(c.workspace.name for c in clients)
    click.echo(
        f"{count:,} demo calls in {names} (replaced {removed:,}), {visits:,} website visits."
    )


@demo_cli.command("first-run")
def first_run_command() -> None:
    """Create the demo Agency account with demo data once, then print its sign-in."""
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
    account, password = _create_demo_account()
    _seed(account, FIRST_RUN_CALLS, seed=1)
    _print_sign_in(DEMO_EMAIL, password)


@demo_cli.command("seed")
@click.option(
    "--calls",
    "count",
    type=click.IntRange(0, 10_000_000),
    default=FIRST_RUN_CALLS,
    show_default=True,
    help="How many calls to generate over the last 90 days.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed: the same seed gives the same calls.",
)
def seed_command(count: int, seed: int) -> None:
    """Fill the demo agency with three clients and N calls, REPLACING its demo calls.

    Creates the demo account (demo@example.com) if it does not exist yet. The client
    workspaces (a plumber in Austin, a roofer in Denver, a dentist in Tampa), their
    campaigns and numbers are reused when they exist; every call in those workspaces is
    deleted and N new ones are generated, so after a run they hold exactly N calls.
    """
    user = find_user_by_email(DEMO_EMAIL)
    if user is None:
        account, password = _create_demo_account()
        _print_sign_in(DEMO_EMAIL, password)
    else:
        account = user.account
    _seed(account, count, seed)
