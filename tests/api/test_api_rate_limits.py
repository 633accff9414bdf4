"""Per-key quotas and their headers, 429 with Retry-After, and failed authentication per IP."""

from __future__ import annotations

import logging
import time

import pytest

from ringtonic import create_app
from ringtonic.config import DATABASE_STORAGE_SCHEME, ConfigError, from_environment
from ringtonic.services.keys.api_keys import generate_api_key
from tests.support.api_support import assert_problem
from tests.support.keys import api_get, bearer, issue_key


def agency_key(make_account, access: str = "read") -> str:
    _, user, workspace = make_account(plan="agency")
    return issue_key(workspace, user, access=access)


def limited_client(app_config, **settings):
    """A client of an app built with these rate-limit settings (counters start at zero)."""
    app_config.update(settings)
    return create_app(app_config).test_client()


def test_every_answer_after_authentication_describes_the_quota(client, make_account):
    key = agency_key(make_account)
    before = time.time()
    response = api_get(client, "/api/v1/me", key)
    assert response.status_code == 200
    assert response.headers["RateLimit-Policy"] == "1000;w=3600, 10000;w=86400"
    assert response.headers["RateLimit"] == "limit=1000, remaining=999, reset=3600"
    assert response.headers["X-RateLimit-Limit"] == "1000"
    assert response.headers["X-RateLimit-Remaining"] == "999"
    reset = int(response.headers["X-RateLimit-Reset"])
    assert before + 3600 <= reset <= time.time() + 3601
    for path, status in [("/api/v1/calls/nope", 404), ("/api/v1/calls?limit=0", 400)]:
        answer = api_get(client, path, key)
        assert answer.status_code == status
        assert answer.headers["X-RateLimit-Limit"] == "1000"
    assert api_get(client, "/api/v1/me", key).headers["X-RateLimit-Remaining"] == "996"


def test_answers_before_authentication_carry_no_quota(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "RateLimit" not in response.headers and "X-RateLimit-Limit" not in response.headers


def test_the_headers_describe_the_window_with_the_fewest_requests_left(app_config, make_account):
    client = limited_client(app_config, RINGTONIC_API_RATE_LIMITS="5 per minute; 3 per day")
    key = agency_key(make_account)
    response = api_get(client, "/api/v1/me", key)
    assert response.headers["RateLimit-Policy"] == "5;w=60, 3;w=86400"
    assert response.headers["RateLimit"] == "limit=3, remaining=2, reset=86400"
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "2"


# In this process's memory, and in the database (one statement counts every window).
STORAGES = ["memory://", f"{DATABASE_STORAGE_SCHEME}://"]


@pytest.mark.parametrize("storage", STORAGES)
def test_a_key_over_its_quota_gets_429_until_the_window_resets(app_config, make_account, storage):
    client = limited_client(
        app_config,
        RINGTONIC_API_RATE_LIMITS="3 per hour; 100 per day",
        RATELIMIT_STORAGE_URI=storage,
    )
    key, other_key = agency_key(make_account), agency_key(make_account)
    remaining = [
        api_get(client, "/api/v1/me", key).headers["X-RateLimit-Remaining"] for _ in range(3)
    ]
    assert remaining == ["2", "1", "0"]
    refused = api_get(client, "/api/v1/calls", key)
    body = assert_problem(refused, 429, "rate_limited")
    assert "Retry-After" in body["detail"]
    assert 3590 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit"].startswith("limit=3, remaining=0, reset=")
    # Quotas are per key: another key of the same client address is unaffected.
    assert api_get(client, "/api/v1/me", other_key).status_code == 200


@pytest.mark.parametrize("storage", STORAGES)
def test_refused_requests_do_not_use_up_the_longer_window(app_config, make_account, storage):
    client = limited_client(
        app_config,
        RINGTONIC_API_RATE_LIMITS="2 per 2 seconds; 4 per day",
        RATELIMIT_STORAGE_URI=storage,
    )
    key = agency_key(make_account)
    for _ in range(2):
        assert api_get(client, "/api/v1/me", key).status_code == 200
    for _ in range(3):
        refused = api_get(client, "/api/v1/me", key)
        assert refused.status_code == 429
        assert refused.headers["RateLimit"].startswith("limit=2, remaining=0, reset=")
    time.sleep(int(refused.headers["Retry-After"]) + 0.1)
    # Had the refused requests counted against the day, its 4 would be gone by now.
    response = api_get(client, "/api/v1/me", key)
    assert response.status_code == 200
    assert response.headers["RateLimit"].startswith("limit=4, remaining=1, reset=")


def test_failed_authentications_are_limited_per_client_address(app_config, make_account):
    client = limited_client(app_config, RINGTONIC_API_AUTH_FAILURE_LIMIT="3 per minute")
    key, known_key = agency_key(make_account), agency_key(make_account)
    assert api_get(client, "/api/v1/me", known_key).status_code == 200
    for header in ({}, {"Authorization": "Bearer nope"}, bearer(generate_api_key())):
        assert client.get("/api/v1/me", headers=header).status_code == 401
    # Over the limit, every key this worker has not verified yet waits, good or not:
    # guesses stay slow.
    refused = api_get(client, "/api/v1/me", key)
    assert_problem(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    elsewhere = api_get(client, "/api/v1/me", key, environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 200
    # A key this worker verified before is not a guess: it is not held up.
    assert api_get(client, "/api/v1/me", known_key).status_code == 200


def test_guessing_from_new_ipv6_addresses_of_one_network_stays_limited(app_config, make_account):
    """A machine can take a new address in its /64 for every request: the /64 is counted."""
    client = limited_client(app_config, RINGTONIC_API_AUTH_FAILURE_LIMIT="3 per minute")
    key = agency_key(make_account)
    for n in range(3):
        guess = client.get(
            "/api/v1/me",
            headers=bearer(generate_api_key()),
            environ_overrides={"REMOTE_ADDR": f"2001:db8:42:1::{n + 1:x}"},
        )
        assert guess.status_code == 401
    refused = api_get(
        client, "/api/v1/me", key, environ_overrides={"REMOTE_ADDR": "2001:DB8:42:1:abcd::9"}
    )
    assert_problem(refused, 429, "rate_limited")
    other_network = api_get(
        client, "/api/v1/me", key, environ_overrides={"REMOTE_ADDR": "2001:db8:42:2::1"}
    )
    assert other_network.status_code == 200


def test_a_guessed_key_from_a_limited_address_is_refused(app_config, make_account):
    client = limited_client(app_config, RINGTONIC_API_AUTH_FAILURE_LIMIT="2 per minute")
    known_key = agency_key(make_account)
    assert api_get(client, "/api/v1/me", known_key).status_code == 200
    for _ in range(2):
        assert client.get("/api/v1/me", headers=bearer(generate_api_key())).status_code == 401
    # Known keys keep working from that address, and guesses beside them get nowhere.
    assert api_get(client, "/api/v1/me", known_key).status_code == 200
    for guess in (generate_api_key(), "Bearer nope", ""):
        headers = bearer(guess) if guess.startswith("ringtonic_") else {"Authorization": guess}
        assert_problem(client.get("/api/v1/me", headers=headers), 429, "rate_limited")


def test_successful_requests_do_not_count_as_failures(app_config, make_account):
    client = limited_client(app_config, RINGTONIC_API_AUTH_FAILURE_LIMIT="2 per minute")
    key = agency_key(make_account)
    for _ in range(5):
        assert api_get(client, "/api/v1/me", key).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_the_api_keeps_answering_when_the_shared_storage_is_down(app_config, make_account, caplog):
    client = limited_client(
        app_config,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
        RINGTONIC_API_RATE_LIMITS="2 per hour",
    )
    key = agency_key(make_account)
    with caplog.at_level(logging.WARNING, logger="ringtonic.rate_limits"):
        first = api_get(client, "/api/v1/me", key)
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert "rate-limit storage unreachable" in caplog.text
    # Counted in this process meanwhile: the limit still holds.
    assert api_get(client, "/api/v1/me", key).status_code == 200
    assert_problem(api_get(client, "/api/v1/me", key), 429, "rate_limited")


@pytest.mark.parametrize("storage", STORAGES)
def test_a_limit_given_twice_counts_once(app_config, make_account, storage):
    client = limited_client(
        app_config,
        RINGTONIC_API_RATE_LIMITS="3 per hour; 3/hour",
        RATELIMIT_STORAGE_URI=storage,
    )
    key = agency_key(make_account)
    response = api_get(client, "/api/v1/me", key)
    assert response.status_code == 200
    assert response.headers["RateLimit-Policy"] == "3;w=3600"
    assert response.headers["X-RateLimit-Remaining"] == "2"


def test_rate_limits_can_be_switched_off(app_config, make_account):
    client = limited_client(
        app_config, RATELIMIT_ENABLED=False, RINGTONIC_API_RATE_LIMITS="1 per hour"
    )
    key = agency_key(make_account)
    for _ in range(3):
        response = api_get(client, "/api/v1/me", key)
        assert response.status_code == 200 and "RateLimit" not in response.headers


@pytest.mark.parametrize(
    "variable", ["RINGTONIC_API_RATE_LIMITS", "RINGTONIC_API_AUTH_FAILURE_LIMIT"]
)
def test_limits_are_read_from_the_environment_and_checked(tmp_path, variable):
    env = {"SECRET_KEY": "s" * 40, variable: "500 per hour;5000 per day"}
    assert from_environment(env, tmp_path)[variable] == "500 per hour;5000 per day"
    with pytest.raises(ConfigError, match=variable):
        from_environment({"SECRET_KEY": "s" * 40, variable: "lots"}, tmp_path)
    defaults = from_environment({"SECRET_KEY": "s" * 40}, tmp_path)
    assert defaults["RINGTONIC_API_RATE_LIMITS"] == "1000 per hour; 10000 per day"
    assert defaults["RINGTONIC_API_AUTH_FAILURE_LIMIT"] == "60 per minute"
