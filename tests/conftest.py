"""Shared fixtures: app, client, runner, a migrated database and sign-in helpers."""

from __future__ import annotations

import contextvars
import os
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from ringtonic import create_app
from ringtonic.extensions import db
from ringtonic.services.accounts.accounts import create_account

# Every issued API key is watched: none may leak into the database, logs or responses.
pytest_plugins = ["tests.secret_watch"]

TEST_SECRET = "test-secret-key-" + "x" * 32
PASSWORD = "correct horse battery"


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_root / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Create the test database once per run, through the real migrations."""
    root = tmp_path_factory.mktemp("db")
    url = _database_url(root)
    app = create_app(_config(url, root))
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return url


def _config(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "BCRYPT_ROUNDS": 4,
        "RATELIMIT_STORAGE_URI": "memory://",
        "INSTANCE_PATH": str(instance),
    }


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """The config each test's app is built with; tests may edit it before using `app`."""
    return _config(database_url, tmp_path)


@pytest.fixture
def app(app_config):
    """A fresh app on the migrated database; every table is emptied afterwards."""
    application = create_app(app_config)
    application.test_client_class = RequestIsolatedClient
    with application.app_context():
        yield application
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


class RequestIsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    Without this, requests would share the test's app context, and with it `g` and the
    database session, hiding bugs that only show across separate requests.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    """A test client with cookies."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask ...` commands."""
    return app.test_cli_runner()


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


@pytest.fixture
def make_account(app):
    """Create an account (committed) and return (account, admin user, default workspace)."""
    counter = iter(range(1, 10_000))

    def factory(plan: str = "indie", email: str | None = None, company: str | None = None):
        n = next(counter)
        account, user, workspace = create_account(
            company or f"Company {n}", email or f"owner{n}@example.com", PASSWORD, plan
        )
        db.session.commit()
        return account, user, workspace

    return factory
