"""Configuration from the environment: defaults, validation, generated dev secret."""

from __future__ import annotations

import pytest

from ringtonic.config import ConfigError, from_environment

GOOD_SECRET = "s" * 40


def test_production_requires_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        from_environment({}, tmp_path)


def test_short_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be at least 32"):
        from_environment({"SECRET_KEY": "short"}, tmp_path)


def test_development_generates_and_reuses_a_secret(tmp_path):
    first = from_environment({"RINGTONIC_ENV": "development"}, tmp_path)["SECRET_KEY"]
    second = from_environment({"RINGTONIC_ENV": "development"}, tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_in_instance_folder(tmp_path):
    config = from_environment({"SECRET_KEY": GOOD_SECRET}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'ringtonic.sqlite3'}"
    # Without Redis the counters every worker shares are in the database.
    assert config["RATELIMIT_STORAGE_URI"] == "ringtonic+database://"


def test_postgres_urls_use_psycopg3(tmp_path):
    config = from_environment(
        {"SECRET_KEY": GOOD_SECRET, "DATABASE_URL": "postgres://u:p@db/rt"}, tmp_path
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/rt"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "::not a url::"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL"),
        ({"RINGTONIC_ALLOW_PLAN_CHANGES": "maybe"}, "RINGTONIC_ALLOW_PLAN_CHANGES"),
        ({"RINGTONIC_TRUSTED_PROXIES": "two"}, "RINGTONIC_TRUSTED_PROXIES"),
        ({"RINGTONIC_ENV": "staging"}, "RINGTONIC_ENV"),
    ],
)
def test_bad_values_name_their_variable(tmp_path, env, variable):
    with pytest.raises(ConfigError, match=variable):
        from_environment({"SECRET_KEY": GOOD_SECRET, **env}, tmp_path)


def test_redis_url_becomes_rate_limit_storage(tmp_path):
    config = from_environment(
        {"SECRET_KEY": GOOD_SECRET, "REDIS_URL": "redis://127.0.0.1:6379/0"}, tmp_path
    )
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
