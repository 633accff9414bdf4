"""`flask accounts ...` and `flask users ...`: manage accounts without the web UI."""

from __future__ import annotations

from typing import NoReturn

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import PLANS, User
from ringtonic.services.accounts.accounts import (
    create_account,
    find_user_by_email,
    reset_password,
    set_plan,
)
from ringtonic.services.errors import ServiceError

accounts_cli = AppGroup("accounts", help="Create accounts and change their plan.")
users_cli = AppGroup("users", help="Manage users' sign-in.")


def fail(message: str) -> NoReturn:
    """Abort the command with a message on stderr and exit status 1."""
    raise click.ClickException(message)


@accounts_cli.command("create")
@click.option("--company", required=True, help="Company (account) name.")
@click.option("--email", required=True, help="Email of the account's first admin.")
@click.option("--password", required=True, help="Password for that admin (10+ characters).")
@click.option("--plan", type=click.Choice(PLANS), default="indie", show_default=True)
def create_account_command(company: str, email: str, password: str, plan: str) -> None:
    """Create an account, its admin user and a default workspace."""
    try:
        account, user, workspace = create_account(company, email, password, plan)
    except ServiceError as error:
        db.session.rollback()
        fail(error.message)
    db.session.commit()
    click.echo(
        f"Created account {account.name!r} ({account.plan}) with admin {user.email} "
        f"and workspace {workspace.name!r} ({workspace.uuid})."
    )


@accounts_cli.command("set-plan")
@click.argument("email")
@click.argument("plan", type=click.Choice(PLANS))
def set_plan_command(email: str, plan: str) -> None:
    """Switch the plan of the account that EMAIL belongs to."""
    user = find_user_by_email(email)
    if user is None:
        fail(f"No user with email {email!r}.")
    changed = set_plan(user.account, plan)
    db.session.commit()
    state = "now" if changed else "already"
    click.echo(f"Account {user.account.name!r} is {state} on the {plan} plan.")


@accounts_cli.command("list")
def list_accounts_command() -> None:
    """List users with their account and plan."""
    for user in db.session.scalars(select(User).order_by(User.account_id, User.id)):
        click.echo(f"{user.email}\t{user.role}\t{user.account.name}\t{user.account.plan}")


@users_cli.command("reset-password")
@click.argument("email")
@click.option(
    "--password",
    prompt="New password",
    hide_input=True,
    confirmation_prompt=True,
    help="The new password; prompted for (hidden) when omitted.",
)
def reset_password_command(email: str, password: str) -> None:
    """Set a new password for EMAIL and sign out all of that user's sessions."""
    try:
        user = reset_password(email, password)
    except ServiceError as error:
        db.session.rollback()
        fail(error.message)
    db.session.commit()
    click.echo(f"Password changed for {user.email}; their sessions were signed out.")
