"""Operator CLI: accounts create / set-plan, users reset-password, demo first-run."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import User
from ringtonic.services.accounts.passwords import verify_password


def test_accounts_create(runner):
    result = runner.invoke(
        args=[
            "accounts",
            "create",
            "--company",
            "Acme",
            "--email",
            "Boss@Acme.com",
            "--password",
            "long enough pw",
            "--plan",
            "agency",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created account 'Acme' (agency)" in result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.account.plan) == ("boss@acme.com", "admin", "agency")


def test_accounts_create_failures(runner, make_account):
    make_account(email="taken@example.com")
    cases = [
        (
            ["--company", "A", "--email", "taken@EXAMPLE.com", "--password", "long enough pw"],
            "already exists",
        ),
        (["--company", "A", "--email", "nope", "--password", "long enough pw"], "valid email"),
        (["--company", "A", "--email", "a@example.com", "--password", "short"], "at least 10"),
        (["--company", "A", "--email", "a@example.com", "--password", "x" * 80], "72 bytes"),
        (
            [
                "--company",
                "A",
                "--email",
                "a@example.com",
                "--password",
                "long enough pw",
                "--plan",
                "gold",
            ],
            "Invalid value for '--plan'",
        ),
        (["--email", "a@example.com", "--password", "long enough pw"], "Missing option"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["accounts", "create", *args])
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_accounts_set_plan(runner, make_account):
    account, _, _ = make_account(email="boss@example.com")
    result = runner.invoke(args=["accounts", "set-plan", "BOSS@example.com", "agency"])
    assert result.exit_code == 0
    assert "now on the agency plan" in result.output
    db.session.expire_all()
    assert account.plan == "agency"
    again = runner.invoke(args=["accounts", "set-plan", "boss@example.com", "agency"])
    assert "already on the agency plan" in again.output


def test_accounts_set_plan_failures(runner):
    result = runner.invoke(args=["accounts", "set-plan", "ghost@example.com", "agency"])
    assert result.exit_code == 1
    assert "No user with email" in result.output
    result = runner.invoke(args=["accounts", "set-plan", "ghost@example.com", "platinum"])
    assert result.exit_code == 2


def test_users_reset_password_with_option_and_prompt(runner, make_account):
    make_account(email="boss@example.com")
    result = runner.invoke(
        args=["users", "reset-password", "boss@example.com", "--password", "a new password"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert verify_password("a new password", user.password_hash)
    prompted = runner.invoke(
        args=["users", "reset-password", "boss@example.com"],
        input="prompted password\nprompted password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    db.session.expire_all()
    assert verify_password("prompted password", user.password_hash)


def test_users_reset_password_failures(runner, make_account):
    make_account(email="boss@example.com")
    missing = runner.invoke(
        args=["users", "reset-password", "ghost@example.com", "--password", "a new password"]
    )
    assert missing.exit_code == 1
    assert "No user with email" in missing.output
    short = runner.invoke(args=["users", "reset-password", "boss@example.com", "--password", "x"])
    assert short.exit_code == 1
    assert "at least 10" in short.output


def test_every_command_has_help(runner):
    for args in (
        ["accounts", "create"],
        ["accounts", "set-plan"],
        ["users", "reset-password"],
        ["demo", "first-run"],
    ):
        result = runner.invoke(args=[*args, "--help"])
        assert result.exit_code == 0
        assert "Usage:" in result.output


def test_demo_first_run_creates_once_and_prints_the_same_sign_in(app, runner):
    first = runner.invoke(args=["demo", "first-run"])
    assert first.exit_code == 0, first.output
    saved = json.loads((Path(app.instance_path) / "demo-credentials.json").read_text())
    assert saved["email"] in first.output and saved["password"] in first.output
    second = runner.invoke(args=["demo", "first-run"])
    assert saved["password"] in second.output
    users = list(db.session.scalars(select(User)))
    assert len(users) == 1
    assert users[0].account.plan == "agency"
    assert verify_password(saved["password"], users[0].password_hash)
