"""Settings → Team: the member list, roles, last-admin protection, removal and the audit trail."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import AuditEvent, User
from ringtonic.services.accounts import policy
from ringtonic.services.signals import member_removed
from ringtonic.web.time_filters import iso_utc, utc_exact
from tests.support.keys import api_get, issue_key
from tests.support.team_support import add_member, invite
from tests.support.web_client import PASSWORD, post_form, sign_in


@pytest.fixture
def agency(client, make_account):
    """An Agency account with an admin (signed in on `client`), a manager and a member."""
    account, admin, workspace = make_account(plan="agency", email="ann@example.com")
    manager = add_member(account, "max@example.com", "manager")
    member = add_member(account, "mia@example.com", "member")
    sign_in(client, admin.email)
    return account, admin, manager, member


def change_role(client, user: User, role: str):
    return post_form(
        client, f"/settings/team/{user.uuid}/role", {"role": role}, page="/settings/team"
    )


def remove(client, user: User, revoke_keys: bool = True):
    # A browser sends a checked box as "y" and leaves an unchecked one out.
    data = {"revoke_keys": "y"} if revoke_keys else {}
    url = f"/settings/team/{user.uuid}/remove"
    return post_form(client, url, data)


def signed_in_client(app, email: str):
    browser = app.test_client()
    sign_in(browser, email)
    return browser


@pytest.fixture
def removals():
    """Record every member_removed signal sent during the test."""
    received = []

    def receiver(user, **kwargs):
        received.append((user.email, kwargs))

    with member_removed.connected_to(receiver):
        yield received


def test_team_page_lists_members_with_role_join_date_and_last_sign_in(client, agency):
    _, admin, manager, member = agency
    html = client.get("/settings/team").get_data(as_text=True)
    for user in (admin, manager, member):
        assert user.email in html
        joined = user.created_at
        assert f'<time datetime="{iso_utc(joined)}" title="{utc_exact(joined)}">' in html
    assert '<option value="manager" selected>Manager</option>' in html
    assert "Never" in html  # the manager and member have not signed in yet
    db.session.refresh(admin)
    assert f'<time datetime="{iso_utc(admin.last_login_at)}"' in html


def test_role_table_is_rendered_from_the_policy(client, agency):
    html = client.get("/settings/team").get_data(as_text=True)
    assert set(policy.PERMISSION_LABELS) == set(policy.PERMISSIONS)
    for name, holders in policy.PERMISSIONS.items():
        label = escape(policy.PERMISSION_LABELS[name])
        row = html.split(f'<th scope="row">{label}</th>', 1)[1].split("</tr>", 1)[0]
        marks = ["Yes" if "Yes" in cell else "No" for cell in row.split("<td>")[1:]]
        expected = ["Yes" if role in holders else "No" for role in ("admin", "manager", "member")]
        assert marks == expected, name


def test_admin_changes_a_role_and_it_is_audited(client, agency):
    _, admin, _, member = agency
    response = change_role(client, member, "manager")
    assert response.status_code == 302
    db.session.expire_all()
    assert member.role == "manager"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.role_changed"))
    assert (event.actor_id, event.target, event.ip) == (admin.id, member.email, "127.0.0.1")
    assert event.details == {"from": "member", "to": "manager", "keys_made_read_only": 0}
    html = client.get("/settings/team").get_data(as_text=True)
    assert "mia@example.com is now manager" in html
    assert "changed the role of mia@example.com" in html and "from member to manager" in html


def test_an_unknown_role_is_refused(client, agency):
    _, _, _, member = agency
    response = change_role(client, member, "owner")
    assert response.status_code == 400
    assert "Choose a role" in response.get_data(as_text=True)
    db.session.expire_all()
    assert member.role == "member"


def test_the_last_admin_cannot_be_demoted(client, agency):
    _, admin, _, _ = agency
    response = change_role(client, admin, "manager")
    assert response.status_code == 409
    assert "is the only admin" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.role == "admin"


def test_an_admin_may_step_down_when_another_admin_remains(client, agency):
    _, admin, manager, _ = agency
    assert change_role(client, manager, "admin").status_code == 302
    response = change_role(client, admin, "member")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    assert (admin.role, manager.role) == ("member", "admin")
    assert client.get("/settings/team").status_code == 403


def test_the_last_admin_cannot_remove_themselves(client, agency, removals):
    _, admin, _, _ = agency
    response = remove(client, admin)
    assert response.status_code == 409
    assert "only admin and cannot be removed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.removed_at is None
    assert client.get("/settings/team").status_code == 200
    assert removals == []


def test_removal_ends_the_persons_sessions_at_once_and_audits_it(app, client, agency):
    _, admin, _, member = agency
    theirs = signed_in_client(app, member.email)
    assert theirs.get("/").status_code == 200
    response = remove(client, member)
    assert response.status_code == 302
    assert "was removed from the team" in client.get("/settings/team").get_data(as_text=True)
    gone = theirs.get("/")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    retry = post_form(app.test_client(), "/login", {"email": member.email, "password": PASSWORD})
    assert retry.status_code == 400
    assert "Invalid email or password." in retry.get_data(as_text=True)
    db.session.expire_all()
    assert member.removed_at is not None
    team_page = client.get("/settings/team").get_data(as_text=True)
    assert f'Remove<span class="visually-hidden"> {member.email}' not in team_page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.removed"))
    assert (event.actor_id, event.target, event.ip) == (admin.id, member.email, "127.0.0.1")
    assert f"removed {member.email}" in team_page


def test_removal_confirmation_has_revoke_keys_checked_by_default(client, agency):
    _, _, _, member = agency
    html = client.get(f"/settings/team/{member.uuid}/remove").get_data(as_text=True)
    assert "Revoke the API keys this person created" in html
    assert 'id="revoke_keys" name="revoke_keys" type="checkbox" value="y"' in html
    assert html.split('id="revoke_keys"', 1)[0].rsplit("<input", 1)[1].strip() == "checked"


def test_removal_signals_key_revocation_by_default(client, agency, removals):
    _, admin, _, member = agency
    assert remove(client, member).status_code == 302
    assert removals == [(member.email, {"actor": admin, "revoke_keys": True, "ip": "127.0.0.1"})]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.removed"))
    assert event.details["revoke_keys"] is True


def test_removal_can_keep_the_persons_keys(client, agency, removals):
    _, _, manager, _ = agency
    assert remove(client, manager, revoke_keys=False).status_code == 302
    assert [(email, kwargs["revoke_keys"]) for email, kwargs in removals] == [
        (manager.email, False)
    ]
    assert "their API keys kept" in client.get("/settings/team").get_data(as_text=True)


def test_an_admin_removing_themselves_is_signed_out(client, agency):
    account, admin, manager, _ = agency
    change_role(client, manager, "admin")
    response = remove(client, admin)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert f"You left {account.name}" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_removed_people_cannot_be_changed_again(client, agency):
    _, _, _, member = agency
    remove(client, member)
    assert change_role(client, member, "admin").status_code == 404
    assert client.get(f"/settings/team/{member.uuid}/remove").status_code == 404
    assert client.get("/settings/team/not-a-uuid/remove").status_code == 404


def test_a_removed_teammate_can_be_invited_back_and_rejoins(app, client, agency):
    account, _, _, member = agency
    remove(client, member)
    _, path = invite(client, member.email, "manager")
    assert path is not None
    browser = app.test_client()
    response = post_form(browser, path, {"password": "back again, new password"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (member.removed_at, member.role, member.account_id) == (None, "manager", account.id)
    assert db.session.scalars(select(User).where(User.email == member.email)).all() == [member]
    assert browser.get("/").status_code == 200
    sign_in(app.test_client(), member.email, "back again, new password")


def test_another_accounts_people_are_not_found(client, agency, make_account):
    _, _, _, _ = agency
    _, stranger, _ = make_account(plan="agency")
    assert change_role(client, stranger, "member").status_code == 404
    assert remove(client, stranger).status_code == 404
    db.session.expire_all()
    assert (stranger.role, stranger.removed_at) == ("admin", None)


@pytest.mark.parametrize("email", ["max@example.com", "mia@example.com"])
def test_managers_and_members_cannot_reach_team_keys_or_telephony_settings(app, agency, email):
    browser = signed_in_client(app, email)
    guarded = {"manage_team", "manage_api_keys", "manage_telephony"}
    role = db.session.scalar(select(User.role).where(User.email == email))
    checked = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "required_permission", None) not in guarded or "GET" not in rule.methods:
            continue
        if policy.can(User(role=role), view.required_permission):
            continue  # managers do manage API keys
        url = rule.build({name: "00000000-0000-4000-8000-000000000000" for name in rule.arguments})
        assert browser.get(url[1]).status_code == 403, rule.rule
        checked.append(rule.endpoint)
    assert "settings.team" in checked
    assert ">Team</a>" not in browser.get("/settings/profile").get_data(as_text=True)


def test_admins_see_team_in_the_settings_menu_and_recent_activity(client, agency):
    _, _, _, member = agency
    invite(client, "new@example.com", "member")
    html = client.get("/settings/profile").get_data(as_text=True)
    assert ">Team</a>" in html
    team = client.get("/settings/team").get_data(as_text=True)
    assert "Recent activity" in team
    assert "ann@example.com invited new@example.com" in team and "as member" in team


def test_a_removed_user_is_refused_even_with_a_current_session_token(app, agency):
    _, _, _, member = agency
    theirs = signed_in_client(app, member.email)
    # Mark removed without rotating the token: the user loader itself must refuse them.
    db.session.get(User, member.id).removed_at = member.created_at
    db.session.commit()
    response = theirs.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_removing_a_person_revokes_their_keys_by_default(client, agency):
    account, admin, manager, _ = agency
    workspace = account.workspaces[0]
    theirs = issue_key(workspace, manager, name="Max's CRM sync")
    admins = issue_key(workspace, admin, name="Ann's dashboard")
    assert api_get(client, "/api/v1/me", theirs).status_code == 200
    assert remove(client, manager).status_code == 302
    refused = api_get(client, "/api/v1/me", theirs)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "revoked_api_key"
    assert api_get(client, "/api/v1/me", admins).status_code == 200
    revocation = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key.revoked"))
    assert (revocation.actor_id, revocation.target) == (admin.id, "Max's CRM sync")


def test_removing_a_person_can_leave_their_keys_working(client, agency):
    account, _, manager, _ = agency
    theirs = issue_key(account.workspaces[0], manager)
    assert remove(client, manager, revoke_keys=False).status_code == 302
    assert api_get(client, "/api/v1/me", theirs).status_code == 200
