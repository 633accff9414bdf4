"""Invitation e-mail: RINGTONIC_SMTP_URL parsing, delivery to a real SMTP server, failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from ringtonic import create_app
from ringtonic.config import ConfigError, SmtpSettings, from_environment
from ringtonic.extensions import db
from ringtonic.models import Invitation
from tests.support.ports import free_port
from tests.support.smtp import Inbox, smtp_settings, start_server
from tests.support.team_support import invite
from tests.support.web_client import sign_in

SECRET = "s" * 40


def smtp_from(env: dict) -> SmtpSettings | None:
    return from_environment({"SECRET_KEY": SECRET, **env}, Path("unused"))["RINGTONIC_SMTP"]


def test_smtp_is_off_without_a_url():
    assert smtp_from({}) is None


def test_smtp_url_gives_host_port_credentials_and_sender():
    settings = smtp_from(
        {
            "RINGTONIC_SMTP_URL": "smtp://mailer:p%40ss%3Aword@mail.example.com:587",
            "RINGTONIC_SMTP_FROM": "team@agency.example",
        }
    )
    assert settings == SmtpSettings(
        host="mail.example.com",
        port=587,
        implicit_tls=False,
        username="mailer",
        password="p@ss:word",
        sender="team@agency.example",
    )


def test_smtps_url_defaults_to_port_465_and_a_sender_at_the_host():
    settings = smtp_from({"RINGTONIC_SMTP_URL": "smtps://mail.example.com"})
    assert (settings.port, settings.implicit_tls, settings.username) == (465, True, None)
    assert settings.sender == "ringtonic@mail.example.com"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"RINGTONIC_SMTP_URL": "http://mail.example.com"}, "RINGTONIC_SMTP_URL"),
        ({"RINGTONIC_SMTP_URL": "smtp://"}, "RINGTONIC_SMTP_URL"),
        ({"RINGTONIC_SMTP_URL": "smtp://host:notaport"}, "RINGTONIC_SMTP_URL"),
        ({"RINGTONIC_SMTP_URL": "smtp://user@host"}, "RINGTONIC_SMTP_URL"),
        ({"RINGTONIC_SMTP_URL": "smtp://host/path"}, "RINGTONIC_SMTP_URL"),
        (
            {"RINGTONIC_SMTP_URL": "smtp://host", "RINGTONIC_SMTP_FROM": "nobody"},
            "RINGTONIC_SMTP_FROM",
        ),
    ],
)
def test_bad_smtp_settings_name_their_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        smtp_from(env)


@pytest.fixture
def inbox():
    """A real SMTP server on 127.0.0.1 for the length of the test."""
    handler = Inbox()
    controller = start_server(handler)
    yield handler
    controller.stop()


@pytest.fixture
def careless_inbox():
    """An SMTP server without TLS that would take a password in clear (a careless relay)."""
    handler = Inbox()
    controller = start_server(
        handler,
        auth_require_tls=False,
        authenticator=lambda server, session, envelope, mechanism, data: AuthResult(True),
    )
    yield handler
    controller.stop()


def signed_in_admin(app_config, make_account, settings: SmtpSettings, **config):
    """Sign an Agency admin in on an app that sends mail with `settings`."""
    app_config.update(RINGTONIC_SMTP=settings, **config)
    browser = create_app(app_config).test_client()
    _, admin, _ = make_account(plan="agency", company="Bright Leads", email="ann@example.com")
    sign_in(browser, admin.email)
    return browser


def test_the_invitation_is_emailed_with_its_link(app_config, make_account, inbox):
    browser = signed_in_admin(
        app_config,
        make_account,
        smtp_settings(inbox.port),
        RINGTONIC_PUBLIC_URL="https://calls.agency.example",
    )
    response, path = invite(browser, "sam@example.com", "manager")
    assert response.status_code == 200
    assert "We also e-mailed the link to sam@example.com" in response.get_data(as_text=True)
    [message] = inbox.messages
    assert message["To"] == "sam@example.com"
    assert message["From"] == "ringtonic@agency.example"
    assert message["Subject"] == "Join Bright Leads on Ring Tonic"
    body = message.get_content()
    assert f"https://calls.agency.example{path}" in body
    assert "ann@example.com invited you to join Bright Leads on Ring Tonic as manager" in body


def test_a_failed_send_keeps_the_invitation_and_warns(app, app_config, make_account):
    nothing_listens = smtp_settings(free_port())
    browser = signed_in_admin(app_config, make_account, nothing_listens)
    response, path = invite(browser, "sam@example.com")
    assert response.status_code == 200
    assert "could not be sent" in response.get_data(as_text=True)
    assert path is not None and app.test_client().get(path).status_code == 200
    assert db.session.scalar(select(func.count(Invitation.id))) == 1


def test_credentials_are_never_sent_without_tls(app_config, make_account, careless_inbox, caplog):
    plain_with_password = smtp_settings(careless_inbox.port, username="u", password="secret")
    browser = signed_in_admin(app_config, make_account, plain_with_password)
    response, path = invite(browser, "sam@example.com")
    assert "could not be sent" in response.get_data(as_text=True)
    assert path is not None
    assert careless_inbox.messages == []
    assert "offers no TLS" in caplog.text and "secret" not in caplog.text


def test_without_smtp_the_page_says_to_pass_the_link_on(client, make_account):
    _, admin, _ = make_account(plan="agency")
    sign_in(client, admin.email)
    response, path = invite(client, "sam@example.com")
    assert "This server sends no e-mail" in response.get_data(as_text=True)
    assert path.startswith("/invitations/")
