"""Signing in and posting forms as a browser does, and the secrets the test app uses."""

from __future__ import annotations

import contextvars
import re

from flask.testing import FlaskClient

TEST_SECRET = "test-secret-key-" + "x" * 32
PASSWORD = "correct horse battery"

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """GET a page and return the CSRF token of its first form."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """POST a form the way a browser does: token taken from the page that shows it."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign in through the login form; assert it worked."""
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


class RequestIsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    Without this, requests would share the test's app context, and with it `g` and the
    database session, hiding bugs that only show across separate requests.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)
