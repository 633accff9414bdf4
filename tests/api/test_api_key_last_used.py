"""Last used: when, from which IP and with which user agent, written at most once a minute."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from ringtonic import create_app
from ringtonic.extensions import db
from ringtonic.models import ApiKey
from ringtonic.models.types import utcnow
from ringtonic.services.keys import api_keys
from ringtonic.services.keys.api_keys import touch_last_used
from tests.support.keys import api_get, issue_key, recorded_statements


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(api_keys, "clock", fake)
    return fake


@pytest.fixture
def secret(make_account) -> str:
    _, user, workspace = make_account(plan="agency")
    return issue_key(workspace, user)


def stored_key() -> ApiKey:
    db.session.expire_all()
    return db.session.query(ApiKey).one()


def last_used_writes(statements: list[str]) -> int:
    return sum(1 for s in statements if s.lstrip().upper().startswith("UPDATE API_KEYS"))


def test_a_thousand_calls_in_a_minute_write_last_used_once(client, secret, clock):
    started = clock.now
    with recorded_statements() as statements:
        for _ in range(1000):
            assert api_get(client, "/api/v1/me", secret).status_code == 200
            clock.advance(0.059)  # 1,000 calls spread over 59 seconds
    assert last_used_writes(statements) == 1
    assert stored_key().last_used_at == started

    clock.advance(1.5)  # now more than a minute after the recorded use
    with recorded_statements() as statements:
        for _ in range(10):
            api_get(client, "/api/v1/me", secret)
    assert last_used_writes(statements) == 1
    assert stored_key().last_used_at == clock.now


def test_the_update_itself_refuses_a_second_write_within_the_minute(app, secret, clock):
    key_id = stored_key().id
    first = clock.now
    written = [
        touch_last_used(key_id, used_at=at, ip="192.0.2.1", user_agent="a")
        for at in (first, first + timedelta(seconds=30), first + timedelta(seconds=60))
    ]
    db.session.commit()
    # Two workers that both saw a stale row both send the UPDATE; only one matches.
    assert written == [True, False, False]
    assert touch_last_used(key_id, used_at=first + timedelta(seconds=61), ip=None, user_agent="")
    db.session.commit()
    assert stored_key().last_used_at == first + timedelta(seconds=61)


def test_last_used_records_the_client_ip_and_user_agent(client, secret, clock):
    long_agent = "SEO-Utils/2.1 " + "x" * 400
    api_get(client, "/api/v1/me", secret, headers={"User-Agent": long_agent})
    key = stored_key()
    assert key.last_used_at == clock.now
    assert key.last_used_ip == "127.0.0.1"
    assert key.last_used_user_agent == long_agent[:256]


def test_forwarded_for_is_ignored_without_trusted_proxies(client, secret, clock):
    api_get(client, "/api/v1/me", secret, headers={"X-Forwarded-For": "203.0.113.9"})
    assert stored_key().last_used_ip == "127.0.0.1"


def test_forwarded_for_is_honoured_behind_a_trusted_proxy(app, app_config, secret, clock):
    behind_proxy = create_app({**app_config, "RINGTONIC_TRUSTED_PROXIES": 1}).test_client()
    response = api_get(
        behind_proxy, "/api/v1/me", secret, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert response.status_code == 200
    assert stored_key().last_used_ip == "203.0.113.9"


def test_a_busy_database_skips_the_write_and_never_fails_the_request(
    client, secret, clock, monkeypatch, caplog
):
    def database_locked(*args, **kwargs):
        raise OperationalError("UPDATE api_keys ...", {}, Exception("database is locked"))

    monkeypatch.setattr(api_keys, "touch_last_used", database_locked)
    with caplog.at_level(logging.DEBUG, logger="ringtonic.api.usage"):
        response = api_get(client, "/api/v1/me", secret)
    assert response.status_code == 200
    assert stored_key().last_used_at is None
    assert "not recorded" in caplog.text
    assert secret not in caplog.text


def test_failed_requests_record_no_use(client, secret, clock):
    flipped = "A" if secret[-1] != "A" else "B"
    api_get(client, "/api/v1/me", secret[:-1] + flipped)
    api_get(client, f"/api/v1/me?api_key={secret}", secret)
    assert stored_key().last_used_at is None
