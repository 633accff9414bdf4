"""Invitations: create, open, accept, expire, reuse, revoke, and the wrong-account cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ringtonic.extensions import db
from ringtonic.models import AuditEvent, Invitation, User
from ringtonic.models.types import utcnow
from ringtonic.services.accounts import invitations
from ringtonic.services.accounts.accounts import set_plan
from ringtonic.services.accounts.invitations import token_digest
from tests.support.team_support import add_member, invite
from tests.support.web_client import PASSWORD, csrf_token, post_form, sign_in

NEW_PASSWORD = "a new teammate's password"


@pytest.fixture
def agency(client, make_account):
    """An Agency account whose admin is signed in on `client`."""
    account, admin, workspace = make_account(plan="agency", company="Bright Leads")
    sign_in(client, admin.email)
    return account, admin, workspace


def accept(app, path: str, password: str = NEW_PASSWORD, page: str | None = None):
    """Open the link (or `page`) in a new browser and choose a password; return both."""
    browser = app.test_client()
    return browser, post_form(browser, path, {"password": password}, page=page)


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_invite_shows_a_single_use_link_once_and_stores_only_its_hash(client, agency):
    account, admin, _ = agency
    response, path = invite(client, "Sam@Example.com", "manager")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert 'data-copy-target="invitation-link"' in html
    assert "shown <strong>only now</strong>" in html
    token = path.rsplit("/", 1)[1]
    assert path.startswith("/invitations/") and len(token) >= 43
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role) == ("sam@example.com", "manager")
    assert invitation.token_digest == token_digest(token)
    assert token not in repr([getattr(invitation, c.key) for c in Invitation.__table__.columns])
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    later = client.get("/settings/team").get_data(as_text=True)
    assert token not in later
    assert "sam@example.com" in later and "Pending invitations" in later
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.sent"))
    assert (event.actor_id, event.target, event.ip) == (admin.id, "sam@example.com", "127.0.0.1")


def test_opening_the_link_shows_who_invited_to_what(client, agency):
    _, admin, _ = agency
    _, path = invite(client, "sam@example.com", "manager")
    page = client.application.test_client().get(path)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Join Bright Leads" in html
    assert f"{admin.email} invited you" in html and "<strong>manager</strong>" in html
    assert 'value="sam@example.com"' in html


def test_accepting_sets_the_password_and_signs_in_to_the_inviting_account(app, client, agency):
    account, _, workspace = agency
    _, path = invite(client, "sam@example.com", "manager")
    browser, response = accept(app, path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    dashboard = browser.get("/").get_data(as_text=True)
    assert f"<h1>{workspace.name}</h1>" in dashboard and "Welcome to Bright Leads" in dashboard
    user = db.session.scalar(select(User).where(User.email == "sam@example.com"))
    assert (user.account_id, user.role) == (account.id, "manager")
    assert user.last_login_at is not None
    db.session.expire_all()
    invitation = db.session.scalar(select(Invitation))
    assert invitation.accepted_at is not None and invitation.accepted_user_id == user.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.accepted"))
    assert (event.actor_id, event.ip) == (user.id, "127.0.0.1")
    sign_in(app.test_client(), "sam@example.com", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"), [("short", "at least 10 characters"), ("a" * 73, "at most 72")]
)
def test_accepting_applies_the_registration_password_rules(app, client, agency, password, message):
    _, path = invite(client, "sam@example.com")
    _, response = accept(app, path, password)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html and message in html
    assert user_count() == 1
    assert db.session.scalar(select(Invitation)).accepted_at is None


def test_a_used_link_gets_a_clear_page_and_creates_nothing(app, client, agency):
    _, path = invite(client, "sam@example.com")
    accept(app, path)
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    replay = post_form(app.test_client(), path, {"password": NEW_PASSWORD}, page="/login")
    assert replay.status_code == 410
    assert user_count() == 2


def test_an_expired_link_gets_a_clear_page_and_cannot_be_accepted(app, client, agency):
    _, path = invite(client, "sam@example.com")
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = app.test_client().get(path)
    assert page.status_code == 410
    assert "expired" in page.get_data(as_text=True)
    browser = app.test_client()
    response = browser.post(
        path, data={"csrf_token": csrf_token(browser, "/login"), "password": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert user_count() == 1
    assert "Pending invitations" not in client.get("/settings/team").get_data(as_text=True)


def test_a_revoked_link_gets_a_clear_page(app, client, agency):
    _, admin, _ = agency
    _, path = invite(client, "sam@example.com")
    invitation = db.session.scalar(select(Invitation))
    response = post_form(
        client, f"/settings/team/invitations/{invitation.uuid}/revoke", {}, page="/settings/team"
    )
    assert response.status_code == 302
    assert "was withdrawn" in client.get("/settings/team").get_data(as_text=True)
    page = app.test_client().get(path)
    assert page.status_code == 410
    assert "withdrawn" in page.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.revoked"))
    assert (event.actor_id, event.target, event.ip) == (admin.id, "sam@example.com", "127.0.0.1")
    again = post_form(
        client, f"/settings/team/invitations/{invitation.uuid}/revoke", {}, page="/settings/team"
    )
    assert again.status_code == 409


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 500])
def test_an_unknown_link_gets_a_clear_page(client, token):
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 404
    assert "not valid" in page.get_data(as_text=True)


def test_inviting_again_replaces_the_earlier_link(app, client, agency):
    _, first = invite(client, "sam@example.com")
    _, second = invite(client, "sam@example.com", "manager")
    assert first != second
    assert app.test_client().get(first).status_code == 410
    _, response = accept(app, second)
    assert response.status_code == 302
    assert db.session.scalar(select(User.role).where(User.email == "sam@example.com")) == (
        "manager"
    )


def test_invite_refuses_bad_email_and_unknown_role_with_field_errors(client, agency):
    bad_email, _ = invite(client, "not-an-email")
    assert bad_email.status_code == 400
    assert 'id="email-error"' in bad_email.get_data(as_text=True)
    bad_role, _ = invite(client, "sam@example.com", "owner")
    assert bad_role.status_code == 400
    assert 'id="role-error"' in bad_role.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_invite_refuses_an_email_already_on_this_team(client, agency):
    account, _, _ = agency
    add_member(account, "pat@example.com", "member")
    own, _ = invite(client, "PAT@example.com")
    assert own.status_code == 400
    assert "already on this team" in own.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_inviting_an_email_of_another_account_looks_like_inviting_a_new_one(
    client, agency, make_account
):
    make_account(email="elsewhere@example.com")
    taken, taken_path = invite(client, "elsewhere@example.com")
    free, free_path = invite(client, "nobody-yet@example.com")
    assert taken.status_code == free.status_code == 200
    taken_html = taken.get_data(as_text=True).replace(taken_path, "LINK")
    assert "another Ring Tonic account" not in taken_html
    assert "elsewhere@example.com" in taken_html and taken_path.startswith("/invitations/")
    assert free_path.startswith("/invitations/")
    assert db.session.scalar(select(func.count(Invitation.id))) == 2


@pytest.fixture
def open_registration(app):
    app.config["RINGTONIC_OPEN_REGISTRATION"] = True


def test_a_link_for_an_email_registered_since_says_so_only_after_a_password(
    app, client, agency, open_registration
):
    _, path = invite(client, "sam@example.com")
    registrant = app.test_client()
    registered = post_form(
        registrant,
        "/register",
        {"company": "Sam's Shop", "email": "sam@example.com", "password": PASSWORD},
    )
    assert registered.status_code == 302
    # Opening the link shows the same form as for an address with no account.
    page = app.test_client().get(path)
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    _, refused = accept(app, path)
    assert refused.status_code == 409
    assert "already has a Ring Tonic sign-in" in refused.get_data(as_text=True)
    assert user_count() == 2


def test_accepting_does_the_bcrypt_work_whether_or_not_the_email_has_an_account(
    app, client, agency, make_account, monkeypatch
):
    make_account(email="taken@example.com")
    _, taken = invite(client, "taken@example.com")
    _, free = invite(client, "free@example.com")
    import bcrypt

    calls = []
    real = bcrypt.hashpw
    monkeypatch.setattr(bcrypt, "hashpw", lambda *a: calls.append(1) or real(*a))
    assert accept(app, taken)[1].status_code == 409
    refused_work = len(calls)
    assert accept(app, free)[1].status_code == 302
    assert refused_work == len(calls) - refused_work == 1


def test_someone_signed_in_to_another_account_cannot_accept(app, client, agency, make_account):
    _, path = invite(client, "sam@example.com")
    _, stranger, _ = make_account(email="stranger@example.com")
    browser = app.test_client()
    sign_in(browser, stranger.email)
    page = browser.get(path)
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "signed in as stranger@example.com" in html and "Sign out" in html
    response = post_form(browser, path, {"password": NEW_PASSWORD}, page="/")
    assert response.status_code == 409
    assert db.session.scalar(select(User).where(User.email == "sam@example.com")) is None
    assert browser.get("/").status_code == 200  # still signed in as themselves


def test_another_accounts_admin_cannot_revoke_or_see_the_invitation(
    app, client, agency, make_account
):
    _, path = invite(client, "sam@example.com")
    invitation = db.session.scalar(select(Invitation))
    _, rival, _ = make_account(plan="agency", email="rival@example.com")
    browser = app.test_client()
    sign_in(browser, rival.email)
    assert "sam@example.com" not in browser.get("/settings/team").get_data(as_text=True)
    response = post_form(
        browser, f"/settings/team/invitations/{invitation.uuid}/revoke", {}, page="/"
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert invitation.revoked_at is None
    assert app.test_client().get(path).status_code == 200


def test_indie_account_sees_what_agency_adds_and_cannot_invite(client, make_account):
    _, admin, _ = make_account(plan="indie")
    sign_in(client, admin.email)
    page = client.get("/settings/team").get_data(as_text=True)
    assert "The Indie plan has one user" in page and "Agency</a> adds teammates" in page
    assert "Create invitation link" not in page
    response, path = invite(client, "sam@example.com")
    assert response.status_code == 403
    assert "Upgrade to Agency to invite teammates" in response.get_data(as_text=True)
    assert path is None
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_a_link_to_an_account_back_on_indie_cannot_be_accepted(app, client, agency):
    account, _, _ = agency
    _, path = invite(client, "sam@example.com")
    set_plan(account, "indie")
    db.session.commit()
    page = app.test_client().get(path)
    assert page.status_code == 403
    assert "Indie plan" in page.get_data(as_text=True)
    _, response = accept(app, path, page="/login")
    assert response.status_code == 403
    assert user_count() == 1


def test_two_acceptances_racing_create_one_user(app, client, agency, monkeypatch):
    _, path = invite(client, "sam@example.com")
    token = path.rsplit("/", 1)[1]
    real_hash = invitations.hash_password

    def hash_while_another_request_accepts(password):
        # The other request wins while this one is busy hashing its password.
        with db.engine.begin() as conn:
            conn.execute(update(Invitation).values(accepted_at=utcnow()))
        return real_hash(password)

    monkeypatch.setattr(invitations, "hash_password", hash_while_another_request_accepts)
    with pytest.raises(invitations.InvitationUnavailable) as refused:
        invitations.accept_invitation(token, NEW_PASSWORD, "192.0.2.1")
    assert refused.value.reason == "used"
    db.session.rollback()
    assert user_count() == 1
