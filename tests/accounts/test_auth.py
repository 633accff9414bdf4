"""Registration, sign-in and sign-out through the HTML forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Account, User, Workspace
from tests.support.web_client import PASSWORD, csrf_token, post_form, sign_in


def register(client, company="Acme Plumbing", email="owner@acme.com", password=PASSWORD):
    return post_form(
        client, "/register", {"company": company, "email": email, "password": password}
    )


def test_register_creates_indie_account_admin_and_workspace_and_signs_in(client):
    response = register(client, email="Owner@Acme.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    user = db.session.scalar(select(User))
    assert user.email == "owner@acme.com"
    assert user.role == "admin"
    assert user.password_hash.startswith("$2b$")
    assert user.account.plan == "indie"
    assert [w.name for w in db.session.scalars(select(Workspace))] == ["Acme Plumbing"]
    page = client.get("/")
    assert page.status_code == 200
    assert "Acme Plumbing" in page.get_data(as_text=True)


def test_register_page_has_labelled_fields(client):
    html = client.get("/register").get_data(as_text=True)
    for label in ("Company", "Email", "Password"):
        assert f">{label}</label>" in html


@pytest.fixture
def open_registration(app):
    """The operator lets anyone register (RINGTONIC_OPEN_REGISTRATION=true)."""
    app.config["RINGTONIC_OPEN_REGISTRATION"] = True


@pytest.mark.parametrize("email", ["owner@example.com", "OWNER@EXAMPLE.COM", "Owner@Example.Com"])
def test_registering_a_taken_email_answers_as_a_new_one_would(
    client, make_account, open_registration, email
):
    make_account(email="owner@example.com")
    taken = register(client, email=email)
    fresh = register(app_client := client.application.test_client(), email="new@example.com")
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"] == "/login"
    taken_page = client.get("/login").get_data(as_text=True).replace(email.strip(), "EMAIL")
    fresh_page = app_client.get("/login").get_data(as_text=True).replace("new@example.com", "EMAIL")
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", taken_page) == strip.sub("", fresh_page)
    assert "already exists" not in taken_page
    # Neither is signed in; only the new email got an account.
    assert client.get("/settings/profile").status_code == 302
    assert db.session.scalar(select(db.func.count(Account.id))) == 2
    sign_in(app_client, "new@example.com")


def test_registering_a_taken_email_costs_the_same_bcrypt_work(
    client, make_account, open_registration, monkeypatch
):
    make_account(email="owner@example.com")
    import bcrypt

    calls = []
    real = bcrypt.hashpw
    monkeypatch.setattr(bcrypt, "hashpw", lambda *a: calls.append(1) or real(*a))
    register(client, email="owner@example.com")
    taken_work = len(calls)
    register(client.application.test_client(), email="new@example.com")
    assert taken_work == len(calls) - taken_work == 1


def test_registration_closes_once_the_first_account_exists(client):
    assert 'href="/register"' in client.get("/login").get_data(as_text=True)
    assert register(client, email="first@example.com").status_code == 302  # signed in
    assert client.get("/").status_code == 200
    stranger = client.application.test_client()
    assert 'href="/register"' not in stranger.get("/login").get_data(as_text=True)
    page = stranger.get("/register")
    assert page.status_code == 403
    assert "does not take new accounts" in page.get_data(as_text=True)
    refused = post_form(
        stranger,
        "/register",
        {"company": "Stranger Co", "email": "stranger@example.com", "password": PASSWORD},
        page="/login",
    )
    assert refused.status_code == 403
    assert db.session.scalar(select(db.func.count(Account.id))) == 1


def test_the_operator_can_open_registration(client, make_account, open_registration):
    make_account(email="owner@example.com")
    assert 'href="/register"' in client.get("/login").get_data(as_text=True)
    assert client.get("/register").status_code == 200
    assert register(client, email="second@example.com").status_code == 302
    sign_in(client, "second@example.com")


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), (None, False)])
def test_open_registration_setting_is_read(tmp_path, raw, expected):
    from ringtonic.config import from_environment

    env = {"RINGTONIC_ENV": "development"}
    if raw is not None:
        env["RINGTONIC_OPEN_REGISTRATION"] = raw
    assert from_environment(env, tmp_path)["RINGTONIC_OPEN_REGISTRATION"] is expected


def test_open_registration_setting_refuses_junk(tmp_path):
    from ringtonic.config import ConfigError, from_environment

    env = {"RINGTONIC_ENV": "development", "RINGTONIC_OPEN_REGISTRATION": "sometimes"}
    with pytest.raises(ConfigError, match="RINGTONIC_OPEN_REGISTRATION must be true or false"):
        from_environment(env, tmp_path)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 10 characters"),
        ("ü" * 37, "at most 72 bytes"),  # 37 characters, 74 bytes
        ("a" * 73, "at most 72 bytes"),
    ],
)
def test_register_refuses_bad_passwords_with_a_field_error(client, password, message):
    response = register(client, password=password)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html
    assert message in html
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_register_accepts_a_password_of_exactly_72_bytes(client):
    response = register(client, password="é" * 36)
    assert response.status_code == 302


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "@example.com", "a b@example.com"])
def test_register_refuses_malformed_email(client, email):
    response = register(client, email=email)
    assert response.status_code == 400
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_register_requires_company(client):
    response = register(client, company="   ")
    assert response.status_code == 400
    assert 'id="company-error"' in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client):
    response = client.post(
        "/register", data={"company": "X", "email": "x@example.com", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_login_and_logout(client, make_account):
    make_account(email="owner@example.com")
    sign_in(client, "OWNER@example.com")
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logout_is_post_only_and_needs_csrf(client, make_account):
    make_account(email="owner@example.com")
    sign_in(client, "owner@example.com")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("owner@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)],
)
def test_every_login_failure_says_the_same(client, make_account, email, password):
    make_account(email="owner@example.com")
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 400
    assert "Invalid email or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_with_overlong_password_is_a_clean_failure(client, make_account):
    make_account(email="owner@example.com")
    response = post_form(client, "/login", {"email": "owner@example.com", "password": "x" * 500})
    assert response.status_code == 400
    assert "Invalid email or password." in response.get_data(as_text=True)


def test_login_follows_next_on_this_site(client, make_account):
    make_account(email="owner@example.com")
    token = csrf_token(client, "/login?next=/settings/plan")
    response = client.post(
        "/login?next=/settings/plan",
        data={"csrf_token": token, "email": "owner@example.com", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/settings/plan"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        " //evil.example",
    ],
)
def test_login_never_redirects_off_site(client, make_account, target):
    make_account(email="owner@example.com")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"csrf_token": token, "email": "owner@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_signed_out_pages_redirect_to_login_with_next(client):
    response = client.get("/settings/plan")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_session_cookie_is_httponly_and_lax(client, make_account):
    make_account(email="owner@example.com")
    response = sign_in(client, "owner@example.com")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "ringtonic_session" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_renews_the_session(client, make_account):
    make_account(email="owner@example.com")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, "owner@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_login_is_rate_limited_per_email(app, client, make_account):
    make_account(email="owner@example.com")
    for _ in range(10):
        post_form(client, "/login", {"email": "owner@example.com", "password": "wrong one!!"})
    response = post_form(client, "/login", {"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    # Another email from the same address is still welcome (the per-IP limit is higher).
    make_account(email="other@example.com")
    sign_in(client, "other@example.com")


def test_login_is_rate_limited_per_ip(app_config, make_account):
    app_config["RINGTONIC_LOGIN_LIMIT_PER_IP"] = "3 per minute"
    from ringtonic import create_app

    client = create_app(app_config).test_client()
    for n in range(3):
        post_form(client, "/login", {"email": f"u{n}@example.com", "password": "whatever!!"})
    response = post_form(client, "/login", {"email": "u9@example.com", "password": "whatever!!"})
    assert response.status_code == 429


def test_password_change_signs_out_other_sessions(app, make_account):
    make_account(email="owner@example.com")
    first, second = app.test_client(), app.test_client()
    sign_in(first, "owner@example.com")
    sign_in(second, "owner@example.com")
    response = post_form(
        first,
        "/settings/profile",
        {"current_password": PASSWORD, "new_password": "a brand new secret"},
    )
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302
    sign_in(app.test_client(), "owner@example.com", "a brand new secret")


def test_password_change_needs_the_current_password(client, make_account):
    make_account(email="owner@example.com")
    sign_in(client, "owner@example.com")
    response = post_form(
        client,
        "/settings/profile",
        {"current_password": "not my password", "new_password": "a brand new secret"},
    )
    assert response.status_code == 400
    assert "Current password is incorrect." in response.get_data(as_text=True)
