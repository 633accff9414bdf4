"""Shared fixtures: app, client, runner, a migrated database and sign-in helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from ringtonic import create_app
from ringtonic.extensions import db
from ringtonic.services.accounts.accounts import create_account
from tests.support.web_client import PASSWORD, TEST_SECRET, RequestIsolatedClient

# Every issued API key is watched: none may leak into the database, logs or responses.
pytest_plugins = ["tests.support.secret_watch"]


# Live-server tests that take minutes (big imports, floods across workers).
SLOW_MODULES = frozenset(
    {
        "test_api_fuzz_live",
        "test_bulk_work",
        "test_cluster",
        "test_concurrency",
        "test_rate_limits_across_workers",
        "test_tracker_leases",
    }
)


def pytest_collection_modifyitems(items) -> None:
    """Mark tests by what they start: browsers, live servers, and the slow ones."""
    for item in items:
        path = Path(str(item.path))
        if path.stem.endswith("_browser"):
            item.add_marker(pytest.mark.browser)
        if "live" in path.parts:
            item.add_marker(pytest.mark.live_server)
        if path.stem in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture
def client(app):
    """A test client with cookies."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask ...` commands."""
    return app.test_cli_runner()


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
