"""Sign-in sessions live on the server: sign-out, idle expiry and password changes end them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ringtonic.extensions import db
from ringtonic.models import SignInSession
from ringtonic.models.types import utcnow
from tests.support.web_client import PASSWORD, post_form, sign_in

COOKIE = "ringtonic_session"


def _session_cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def _client_with_cookie(app, value: str):
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def _signed_in(response) -> bool:
    return response.status_code == 200


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, make_account):
    make_account(email="owner@example.com")
    sign_in(client, "owner@example.com")
    copied = _session_cookie(client)
    assert _signed_in(_client_with_cookie(app, copied).get("/settings/profile"))
    assert post_form(client, "/logout", {}, page="/").status_code == 302
    # Another browser (or an attacker who copied the cookie) holding the old value.
    response = _client_with_cookie(app, copied).get("/settings/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert db.session.scalar(select(func.count(SignInSession.id))) == 0


def test_signing_out_one_browser_leaves_the_others_signed_in(app, make_account):
    make_account(email="owner@example.com")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "owner@example.com")
    sign_in(phone, "owner@example.com")
    post_form(laptop, "/logout", {}, page="/")
    assert laptop.get("/settings/profile").status_code == 302
    assert _signed_in(phone.get("/settings/profile"))


def test_an_idle_session_expires(app, client, make_account):
    make_account(email="owner@example.com")
    sign_in(client, "owner@example.com")
    idle = app.config["RINGTONIC_SESSION_IDLE_TIMEOUT"]
    assert idle == timedelta(days=14)
    db.session.execute(
        update(SignInSession).values(last_seen_at=utcnow() - idle - timedelta(minutes=1))
    )
    db.session.commit()
    response = client.get("/settings/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_using_a_session_keeps_it_alive(app, client, make_account):
    make_account(email="owner@example.com")
    sign_in(client, "owner@example.com")
    idle = app.config["RINGTONIC_SESSION_IDLE_TIMEOUT"]
    almost = utcnow() - idle + timedelta(hours=1)
    db.session.execute(update(SignInSession).values(last_seen_at=almost))
    db.session.commit()
    assert _signed_in(client.get("/settings/profile"))
    db.session.expire_all()
    assert db.session.scalar(select(SignInSession.last_seen_at)) > utcnow() - timedelta(minutes=1)


def test_no_session_outlives_the_absolute_limit(app, client, make_account):
    make_account(email="owner@example.com")
    sign_in(client, "owner@example.com")
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.execute(
        update(SignInSession).values(created_at=utcnow() - lifetime - timedelta(minutes=1))
    )
    db.session.commit()
    assert client.get("/settings/profile").status_code == 302


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RINGTONIC_SESSION_IDLE_DAYS": "0"}, "RINGTONIC_SESSION_IDLE_DAYS must be at least 1"),
        ({"RINGTONIC_SESSION_MAX_DAYS": "soon"}, "RINGTONIC_SESSION_MAX_DAYS must be a whole"),
        (
            {"RINGTONIC_SESSION_IDLE_DAYS": "40", "RINGTONIC_SESSION_MAX_DAYS": "30"},
            "must not be more than RINGTONIC_SESSION_MAX_DAYS",
        ),
    ],
)
def test_session_settings_are_checked(tmp_path, env, message):
    from ringtonic.config import ConfigError, from_environment

    with pytest.raises(ConfigError, match=message):
        from_environment({"RINGTONIC_ENV": "development", **env}, tmp_path)


def test_session_settings_are_read(tmp_path):
    from ringtonic.config import from_environment

    config = from_environment(
        {
            "RINGTONIC_ENV": "development",
            "RINGTONIC_SESSION_IDLE_DAYS": "2",
            "RINGTONIC_SESSION_MAX_DAYS": "7",
        },
        tmp_path,
    )
    assert config["RINGTONIC_SESSION_IDLE_TIMEOUT"] == timedelta(days=2)
    assert config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=7)


def test_a_password_change_ends_every_other_server_side_session(app, make_account):
    make_account(email="owner@example.com")
    first, second = app.test_client(), app.test_client()
    sign_in(first, "owner@example.com")
    sign_in(second, "owner@example.com")
    copied = _session_cookie(second)
    post_form(
        first,
        "/settings/profile",
        {"current_password": PASSWORD, "new_password": "a brand new secret"},
    )
    assert _signed_in(first.get("/settings/profile"))
    assert _client_with_cookie(app, copied).get("/settings/profile").status_code == 302
    assert db.session.scalar(select(func.count(SignInSession.id))) == 1
