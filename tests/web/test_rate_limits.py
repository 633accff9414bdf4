"""One count per person, key and account: sign-in spellings, invitations, shared counters."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from sqlalchemy import create_engine, event, select

from ringtonic import create_app
from ringtonic.config import DATABASE_STORAGE_URI, ConfigError, from_environment
from ringtonic.extensions import db
from ringtonic.models.rate_limit import RateLimitCounter
from ringtonic.rate_limits import API_KEY, RateLimits, address_identifier
from ringtonic.rate_limits.storage import DatabaseStorage, LocalStorage
from tests.support.keys import api_get, issue_key
from tests.support.team_support import invite
from tests.support.web_client import PASSWORD, post_form, sign_in

SECRET = "s" * 40


def wrong_password(client, email: str):
    return post_form(client, "/login", {"email": email, "password": "not the password"})


# Spellings a browser sends for one address: the case, spaces around it, fullwidth forms
# (a phone's wide keyboard), the "ﬁ" ligature and a decomposed accent.
LOOK_ALIKES = [
    "fiona@example.com",
    "FIONA@EXAMPLE.COM",
    "  Fiona@Example.com ",
    "ｆｉｏｎａ@ｅｘａｍｐｌｅ.ｃｏｍ",
    "\ufb01ona@example.com",
    "FIONA@example.COM",
]


def test_every_spelling_of_an_email_shares_one_sign_in_counter(app_config, make_account):
    app_config.update(RINGTONIC_LOGIN_LIMIT_PER_EMAIL="5 per hour")
    client = create_app(app_config).test_client()
    make_account(email="fiona@example.com")
    statuses = [wrong_password(client, email).status_code for email in LOOK_ALIKES]
    assert statuses == [400] * 5 + [429]
    refused = wrong_password(client, "Fiona@example.com")
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["RateLimit-Policy"] == "5;w=3600"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    # Someone else's address from the same client is still welcome.
    make_account(email="other@example.com")
    sign_in(client, "other@example.com")


# One client, several addresses: one IPv6 /64 (any address in it, in any spelling), and
# an IPv4 address with its IPv4-mapped IPv6 form (a dual-stack socket's spelling).
ONE_IPV6_CLIENT = ["2001:db8:7:7::1", "2001:DB8:7:7:0:0:0:2", "2001:db8:7:7:ffff:ffff:ffff:ffff"]
ONE_IPV4_CLIENT = ["198.51.100.7", "::ffff:198.51.100.7", "::FFFF:C633:6407"]


@pytest.mark.parametrize(("addresses", "neighbour"), [
    (ONE_IPV6_CLIENT, "2001:db8:7:8::1"),
    (ONE_IPV4_CLIENT, "198.51.100.8"),
])  # fmt: skip
def test_a_client_cannot_leave_its_sign_in_limit_by_changing_address(
    app_config, addresses, neighbour
):
    app_config.update(RINGTONIC_LOGIN_LIMIT_PER_IP="3 per hour")
    client = create_app(app_config).test_client()

    def attempt(n: int, address: str) -> int:
        # A new email each time: only the per-address limit can refuse.
        response = post_form(
            client,
            "/login",
            {"email": f"guess{n}@example.com", "password": "not the password"},
            environ_overrides={"REMOTE_ADDR": address},
        )
        return response.status_code

    assert [attempt(n, address) for n, address in enumerate(addresses)] == [400, 400, 400]
    assert attempt(3, addresses[0].upper()) == 429
    assert attempt(4, addresses[-1]) == 429
    # The next network (or the next IPv4 address) is someone else.
    assert attempt(5, neighbour) == 400


@pytest.mark.parametrize(("address", "counted_as"), [
    ("203.0.113.9", "203.0.113.9"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
    ("2001:DB8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("::1", "::/64"),
    # What a misconfigured proxy might pass on is still counted, as it is.
    ("unknown", "unknown"),
    ("203.0.113.9:4431", "203.0.113.9:4431"),
    (None, "unknown"),
    ("", "unknown"),
])  # fmt: skip
def test_each_address_is_counted_as_who_it_names(address, counted_as):
    assert address_identifier(address) == counted_as


def test_sign_in_matches_an_address_in_any_of_its_spellings(app, make_account):
    make_account(email="fiona@example.com")
    for spelling in ("ｆｉｏｎａ@ｅｘａｍｐｌｅ.ｃｏｍ", "\ufb01ona@EXAMPLE.com"):
        client = app.test_client()
        response = post_form(client, "/login", {"email": spelling, "password": PASSWORD})
        assert response.status_code == 302


def test_text_that_is_not_an_email_is_counted_by_its_comparison_form(app_config):
    app_config.update(RINGTONIC_LOGIN_LIMIT_PER_EMAIL="2 per hour")
    client = create_app(app_config).test_client()
    spellings = ["not an email", "NOT AN EMAIL", "ｎｏｔ ａｎ ｅｍａｉｌ"]
    assert [wrong_password(client, text).status_code for text in spellings] == [400, 400, 429]


@pytest.mark.parametrize(
    "variable",
    [
        "RINGTONIC_LOGIN_LIMIT_PER_IP",
        "RINGTONIC_LOGIN_LIMIT_PER_EMAIL",
        "RINGTONIC_INVITATION_LIMIT",
        "RINGTONIC_API_RATE_LIMITS",
        "RINGTONIC_API_AUTH_FAILURE_LIMIT",
    ],
)
@pytest.mark.parametrize("value", ["ten a minute", "0 per minute", "5 per fortnight"])
def test_a_malformed_limit_stops_start_up_with_its_name(tmp_path, variable, value):
    with pytest.raises(ConfigError, match=f"{variable} must be limits like") as error:
        from_environment({"SECRET_KEY": SECRET, variable: value}, tmp_path)
    assert repr(value) in str(error.value)


def test_invitations_are_limited_per_account_with_a_form_message(app_config, make_account):
    app_config.update(RINGTONIC_INVITATION_LIMIT="2 per hour")
    client = create_app(app_config).test_client()
    make_account(plan="agency", email="boss@example.com")
    sign_in(client, "boss@example.com")
    for n in range(2):
        response, link = invite(client, f"teammate{n}@example.com")
        assert response.status_code == 200 and link
    refused, link = invite(client, "teammate9@example.com")
    assert refused.status_code == 429 and link is None
    page = refused.get_data(as_text=True)
    assert "sent as many invitations as it may for now" in page
    assert "Try again in 60 minutes" in page
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["RateLimit-Policy"] == "2;w=3600"


@pytest.fixture
def database_mode(app_config):
    """App config whose counters are in the test database, as without Redis."""
    app_config.update(RATELIMIT_STORAGE_URI=DATABASE_STORAGE_URI)
    return app_config


def test_workers_on_the_database_share_one_count_per_key(database_mode, make_account):
    database_mode.update(RINGTONIC_API_RATE_LIMITS="3 per hour")
    # Two apps are two workers: each has its own memory, both the same database.
    workers = [create_app(database_mode).test_client() for _ in range(2)]
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    answers = [api_get(workers[n % 2], "/api/v1/me", key) for n in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 3 + [429] * 3
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers[:3]] == ["2", "1", "0"]


def test_every_window_is_counted_at_once_and_a_refusal_costs_the_larger_ones_nothing(
    database_mode, make_account
):
    database_mode.update(RINGTONIC_API_RATE_LIMITS="2 per minute; 5 per hour")
    workers = [create_app(database_mode).test_client() for _ in range(2)]
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)

    answers = [api_get(workers[n % 2], "/api/v1/me", key) for n in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 429, 429]
    assert answers[1].headers["RateLimit-Policy"] == "2;w=60, 5;w=3600"
    # The two refused attempts were not charged to the hourly window: 3 of 5 are left.
    counters = db.session.scalars(select(RateLimitCounter)).all()
    hourly = [row for row in counters if row.key.endswith("/hour")]
    assert len(hourly) == 1 and hourly[0].count == 2


def test_an_api_request_counts_every_window_in_one_transaction(database_mode, make_account):
    """Both windows of the key's quota: one transaction, not one per window.

    (On PostgreSQL the counts run in autocommit on one connection: no transaction at all.)
    """
    database_mode.update(RINGTONIC_API_RATE_LIMITS="100 per hour; 1000 per day")
    worker = create_app(database_mode)
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    client = worker.test_client()
    assert api_get(client, "/api/v1/me", key).status_code == 200
    with worker.app_context():
        engine = db.engine
    commits: list[int] = []

    def committed(_connection) -> None:
        commits.append(1)

    event.listen(engine, "commit", committed)
    try:
        answer = api_get(client, "/api/v1/me", key)
    finally:
        event.remove(engine, "commit", committed)
    assert answer.status_code == 200 and answer.headers["X-RateLimit-Remaining"] == "98"
    assert len(commits) == (0 if engine.dialect.name == "postgresql" else 1)


def test_workers_on_the_database_share_the_sign_in_limit(database_mode, make_account):
    database_mode.update(RINGTONIC_LOGIN_LIMIT_PER_IP="4 per hour")
    workers = [create_app(database_mode).test_client() for _ in range(2)]
    statuses = [
        wrong_password(workers[n % 2], f"user{n}@example.com").status_code for n in range(6)
    ]
    assert statuses == [400] * 4 + [429] * 2


def test_a_failing_counter_database_leaves_requests_answered(tmp_path, caplog):
    env = {"SECRET_KEY": SECRET, "RINGTONIC_API_RATE_LIMITS": "2 per hour"}
    limits = RateLimits(
        from_environment(env, tmp_path),
        create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'counters.sqlite3'}"),
    )
    with caplog.at_level(logging.WARNING, logger="ringtonic.rate_limits"):
        charges = [limits.charge(API_KEY, "key") for _ in range(3)]
    assert [charge.allowed for charge in charges] == [True, True, False]
    assert "rate-limit storage unreachable (OperationalError)" in caplog.text


def test_the_database_storage_is_a_limits_storage(app):
    storage = storage_from_string(DATABASE_STORAGE_URI, engine=db.engine)
    assert isinstance(storage, DatabaseStorage) and storage.check()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and time.time() + 58 < storage.get_expiry("k") <= time.time() + 60
    storage.incr("short", 1, amount=5)
    time.sleep(1.1)
    # The window ended: the count starts again, with a new window.
    assert storage.get("short") == 0
    assert storage.incr("short", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.reset() == 1


def test_counting_at_once_in_the_database_loses_no_count(app):
    storage = DatabaseStorage(engine=db.engine)
    item = parse("1000 per hour")
    key = item.key_for("test", "race")
    counts: list[int] = []

    def count() -> None:
        counts.extend(storage.incr(key, item.get_expiry()) for _ in range(10))

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 41))


def test_counting_in_memory_starts_no_thread():
    storage = LocalStorage()
    before = threading.active_count()
    assert [storage.incr("key", 60) for _ in range(50)] == list(range(1, 51))
    assert threading.active_count() == before
    storage.incr("brief", 0.05)
    time.sleep(0.1)
    assert storage.get("brief") == 0 and storage.incr("brief", 60) == 1
