"""Signing in and posting forms as a browser does, and the secrets the test app uses."""

from __future__ import annotations

import contextvars
import re

from flask.testing import FlaskClient

TEST_SECRET = "test-secret-key-" + "x" * 32
PASSWORD = "correct horse battery"

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
WORKSPACE_FIELD_RE = re.compile(r'type="hidden" name="form_workspace" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """GET a page and return the CSRF token of its first form."""
    return hidden_fields(client, url)["csrf_token"]


def hidden_fields(client, url: str) -> dict[str, str]:
    """GET a page and return what its first form sends unseen: CSRF token and workspace."""
    page = client.get(url)
    html = page.get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    fields = {"csrf_token": match.group(1)}
    workspace = WORKSPACE_FIELD_RE.search(html)
    if workspace:
        fields["form_workspace"] = workspace.group(1)
    return fields


def post_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """POST a form the way a browser does: hidden fields taken from the page that shows it."""
    return client.post(url, data={**hidden_fields(client, page or url), **data}, **kwargs)


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
