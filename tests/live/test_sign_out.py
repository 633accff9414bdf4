"""Signing out on gunicorn with 4 workers: a copied session cookie fails on every worker."""

from __future__ import annotations

import requests

from tests.live.clients import TIMEOUT, Browser, Tally
from tests.live.seeding import ADMIN_EMAIL
from tests.support.web_client import PASSWORD

# Enough requests that, with 4 workers, more than one of them answers.
TRIES = 12
COOKIE = "ringtonic_session"


def _with_cookie(server, value: str) -> list[int]:
    """GET a signed-in page from fresh connections carrying only the copied cookie."""
    statuses = []
    for _ in range(TRIES):
        response = requests.get(
            server.url("/settings/profile"),
            cookies={COOKIE: value},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        statuses.append(response.status_code)
    return statuses


def test_a_cookie_copied_before_sign_out_fails_on_every_worker(scene, start_server):
    server = start_server()
    browser = Browser(server, Tally())
    browser.sign_in(ADMIN_EMAIL, PASSWORD)
    copied = browser.http.cookies[COOKIE]
    assert set(_with_cookie(server, copied)) == {200}
    signed_out = browser.request("POST", "/logout", data=browser.form_values("/settings/profile"))
    assert signed_out.status_code == 302
    assert set(_with_cookie(server, copied)) == {302}
