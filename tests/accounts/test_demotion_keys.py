"""A manager or admin made a member: their read-write API keys become read-only, logged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import ApiKey, AuditEvent
from tests.support.call_fixtures import add_call
from tests.support.keys import bearer, issue_key
from tests.support.team_support import add_member
from tests.support.web_client import post_form, sign_in


@pytest.fixture
def team(client, make_account):
    """An Agency account: admin Ann signed in, manager Max with keys, a call to write to."""
    account, admin, workspace = make_account(plan="agency", email="ann@example.com")
    manager = add_member(account, "max@example.com", "manager")
    call = add_call(workspace, datetime(2026, 5, 4, 15, 0, tzinfo=UTC))
    db.session.commit()
    keys = {
        "write": issue_key(workspace, manager, access="read_write", name="Max's CRM sync"),
        "read": issue_key(workspace, manager, name="Max's dashboard"),
        "admin": issue_key(workspace, admin, access="read_write", name="Ann's sync"),
    }
    sign_in(client, admin.email)
    return manager, call, keys


def _set_role(client, user, role):
    return post_form(
        client, f"/settings/team/{user.uuid}/role", {"role": role}, page="/settings/team"
    )


def _write(client, call, secret):
    return client.patch(f"/api/v1/calls/{call.uuid}", headers=bearer(secret), json={"note": "x"})


def test_demoting_a_manager_makes_their_read_write_keys_read_only(client, team):
    manager, call, keys = team
    assert _write(client, call, keys["write"]).status_code == 200
    response = _set_role(client, manager, "member")
    assert response.status_code == 302
    refused = _write(client, call, keys["write"])
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "insufficient_ability"
    # Reading still works, and other people's keys are untouched.
    read = client.get("/api/v1/me", headers=bearer(keys["write"]))
    assert read.status_code == 200
    assert _write(client, call, keys["admin"]).status_code == 200
    sync = db.session.scalar(select(ApiKey).where(ApiKey.name == "Max's CRM sync"))
    assert sync.abilities == ["read"] and sync.revoked_at is None


def test_the_change_is_logged_and_shown(client, team):
    manager, _, _ = team
    _set_role(client, manager, "member")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api_key.made_read_only")
    ).all()
    assert [event.target for event in events] == ["Max's CRM sync"]
    role_event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "member.role_changed")
    )
    assert role_event.details["keys_made_read_only"] == 1
    team_page = client.get("/settings/team").get_data(as_text=True)
    assert "max@example.com is now member. The 1 read-and-write API key" in team_page
    assert "(1 read-and-write API key made read-only)" in team_page
    assert "turns the read-and-write API keys they created into read-only keys" in team_page
    keys_page = client.get("/settings/api-keys").get_data(as_text=True)
    assert "read-only by making its creator a member" in keys_page


def test_promoting_again_does_not_give_write_access_back(client, team):
    manager, call, keys = team
    _set_role(client, manager, "member")
    _set_role(client, manager, "manager")
    assert _write(client, call, keys["write"]).status_code == 403


def test_a_change_between_key_managing_roles_leaves_keys_alone(client, team):
    manager, call, keys = team
    assert _set_role(client, manager, "admin").status_code == 302
    assert _write(client, call, keys["write"]).status_code == 200
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api_key.made_read_only")
    ).all()
