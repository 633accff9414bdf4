"""Forgotten passwords: a single-use, hashed, 30-minute link by e-mail, or "ask your admin"."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from ringtonic import create_app
from ringtonic.background import queue_of
from ringtonic.extensions import db
from ringtonic.models import PasswordReset
from ringtonic.models.types import utcnow
from tests.support.smtp import Inbox, smtp_settings, start_server
from tests.support.web_client import PASSWORD, post_form, sign_in

NEW_PASSWORD = "a brand new passphrase"
SMTP_SECONDS = 3.0


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = start_server(handler)
    yield handler
    controller.stop()


@pytest.fixture
def mailing(app_config, make_account, inbox):
    """A browser on an app that sends mail, and a user who forgot their password."""
    app_config.update(
        RINGTONIC_SMTP=smtp_settings(inbox.port),
        RINGTONIC_PUBLIC_URL="https://calls.example",
        RINGTONIC_BACKGROUND_IMMEDIATE=True,  # the worker's task runs at once
    )
    browser = create_app(app_config).test_client()
    _, user, _ = make_account(email="sam@example.com")
    return browser, user


class SlowInbox(Inbox):
    """A mail server that takes seconds to accept each message."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(SMTP_SECONDS)
        return await super().handle_DATA(server, session, envelope)


def _ask(browser, email: str):
    return post_form(browser, "/password/forgot", {"email": email}, follow_redirects=True)


def _link_path(inbox) -> str:
    body = inbox.messages[-1].get_content()
    return re.search(r"https://calls\.example(/password/reset/\S+)", body).group(1)


def test_without_mail_the_sign_in_page_says_to_ask_the_admin(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Forgot your password? Ask an account admin" in page
    assert 'href="/password/forgot"' not in page
    assert client.get("/password/forgot").status_code == 404


def test_a_link_by_email_sets_a_new_password_once(mailing, inbox):
    browser, user = mailing
    assert 'href="/password/forgot"' in browser.get("/login").get_data(as_text=True)
    answer = _ask(browser, "  SAM@example.com ")
    assert "If that email has a Ring Tonic sign-in, a link" in answer.get_data(as_text=True)
    [message] = inbox.messages
    assert message["To"] == "sam@example.com"
    path = _link_path(inbox)
    token = path.rsplit("/", 1)[1]
    # Only the token's digest is stored.
    stored = db.session.scalars(select(PasswordReset.token_digest)).all()
    assert stored and token not in stored

    form = browser.get(path)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    done = post_form(browser, path, {"password": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password is changed. Sign in with it." in done.get_data(as_text=True)
    sign_in(browser, user.email, NEW_PASSWORD)

    again = browser.get(path)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)


def test_unknown_emails_get_the_same_answer_and_no_mail(mailing, inbox):
    browser, _ = mailing
    known = _ask(browser, "sam@example.com").get_data(as_text=True)
    unknown = _ask(browser, "nobody@example.com").get_data(as_text=True)
    strip = lambda page: re.sub(r'name="csrf_token"[^>]+', "", page)  # noqa: E731
    assert strip(known) == strip(unknown)
    assert len(inbox.messages) == 1


def test_the_answer_does_not_wait_for_the_mail_server(app_config, make_account):
    """A worker sends the link: a known email is answered as fast as an unknown one."""
    slow = SlowInbox()
    controller = start_server(slow)
    try:
        app_config.update(
            RINGTONIC_SMTP=smtp_settings(slow.port), RINGTONIC_PUBLIC_URL="https://calls.example"
        )
        app = create_app(app_config)
        browser = app.test_client()
        make_account(email="sam@example.com")
        timings = {}
        for email in ("sam@example.com", "nobody@example.com"):
            began = time.monotonic()
            answer = post_form(browser, "/password/forgot", {"email": email})
            timings[email] = time.monotonic() - began
            assert answer.status_code == 303
        assert max(timings.values()) < SMTP_SECONDS - 1, timings
        assert slow.messages == []
        queue = queue_of(app)
        assert queue.pending_count() == 1  # only the known email has a link to send
        queue.execute(queue.dequeue())  # what `flask worker` does
        [message] = slow.messages
        assert message["To"] == "sam@example.com"
        assert "https://calls.example/password/reset/" in message.get_content()
    finally:
        controller.stop()


def test_links_expire_after_30_minutes_and_a_newer_link_replaces_older_ones(mailing, inbox):
    browser, user = mailing
    _ask(browser, user.email)
    first = _link_path(inbox)
    _ask(browser, user.email)
    second = _link_path(inbox)
    assert browser.get(first).status_code == 410
    assert browser.get(second).status_code == 200
    db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = post_form(browser, second, {"password": NEW_PASSWORD}, page="/login")
    assert expired.status_code == 410
    sign_in(browser, user.email, PASSWORD)


def test_a_weak_new_password_is_refused_and_the_link_still_works(mailing, inbox):
    browser, _ = mailing
    _ask(browser, "sam@example.com")
    path = _link_path(inbox)
    weak = post_form(browser, path, {"password": "short"})
    assert weak.status_code == 400
    assert browser.get(path).status_code == 200


def test_asking_is_rate_limited(mailing, inbox):
    browser, _ = mailing
    statuses = [
        post_form(browser, "/password/forgot", {"email": "sam@example.com"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 303 and statuses[-1] == 429
    assert len(inbox.messages) < 12


def test_junk_tokens_are_refused_alike(client):
    for token in ("x", "y" * 500, "%00"):
        response = client.get(f"/password/reset/{token}")
        assert response.status_code == 410
