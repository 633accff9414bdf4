"""Rate limits shared by 4 gunicorn workers: exactly N get through, with Redis and without.

Proved on the sign-in limit per IP and on an API key's quota, with the counters in a real
Redis (REDIS_URL) and in the database (no REDIS_URL): were each worker counting alone, up
to 4 × N would get through. Without Redis, Twilio's webhooks keep being answered at once
while the counters are written to the same SQLite file.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from ringtonic.models import RateLimitCounter
from tests.live.clients import Tally, api_get, post_login_attempts, run_all, send_webhook
from tests.support.telephony_helpers import voice_params

LIMIT = 10
CLIENTS, ATTEMPTS_EACH = 8, 5


class CounterStore:
    """Where a test's server keeps its counters: what to set, and the keys stored there."""

    def __init__(self, kind: str, request, live_database: str) -> None:
        self.kind = kind
        if kind == "redis":
            self.redis = request.getfixturevalue("redis_server")
            self.environment = {"REDIS_URL": self.redis.url}
        else:
            self.database = live_database
            self.environment = {}

    def counter_keys(self) -> list[str]:
        if self.kind == "redis":
            return [key.decode() for key in self.redis.client().keys("*")]
        engine = create_engine(self.database)
        try:
            with engine.connect() as conn:
                return list(conn.scalars(select(RateLimitCounter.key)))
        finally:
            engine.dispose()


@pytest.fixture(params=["redis", "database"])
def counters(request, live_database) -> CounterStore:
    """Counters in a real Redis, or (no REDIS_URL) in the server's database."""
    return CounterStore(request.param, request, live_database)


def test_exactly_the_limit_gets_through_across_four_workers(start_server, counters):
    server = start_server(
        **counters.environment,
        RINGTONIC_LOGIN_LIMIT_PER_IP=f"{LIMIT} per hour",
        RINGTONIC_LOGIN_LIMIT_PER_EMAIL="1000 per hour",
    )
    tally, answers = Tally(), []
    run_all([post_login_attempts(server, tally, answers, ATTEMPTS_EACH) for _ in range(CLIENTS)])
    statuses = [status for status, _ in answers]
    assert len(statuses) == CLIENTS * ATTEMPTS_EACH
    assert statuses.count(400) == LIMIT  # through the limiter, refused by the form
    assert statuses.count(429) == CLIENTS * ATTEMPTS_EACH - LIMIT
    retry_after = [int(value) for status, value in answers if status == 429]
    assert all(0 < seconds <= 3600 for seconds in retry_after)
    assert tally.server_errors() == 0 and tally.errors == []
    # The count lives in the shared store: one key for the sign-in limit of this address.
    assert any("login-ip" in key for key in counters.counter_keys())


API_LIMIT = 10
API_REQUESTS = 40
OTHER_REQUESTS = 5
WEBHOOKS = 8


def test_exactly_a_keys_quota_gets_through_across_four_workers(scene, start_server, counters):
    server = start_server(**counters.environment, RINGTONIC_API_RATE_LIMITS=f"{API_LIMIT} per hour")
    secret, other_secret = scene.reader_keys[:2]
    tally, answers, webhooks = Tally(), [], []

    def get_me() -> None:
        answers.append(api_get(server, secret, tally))

    def twilio(n: int):
        def send() -> None:
            params = voice_params(f"CA{n:032d}")
            webhooks.append(send_webhook(server, scene.voice_path, params, tally))

        return send

    # Twilio's calls arrive meanwhile: counting never holds them up into an error.
    run_all([get_me for _ in range(API_REQUESTS)] + [twilio(n) for n in range(WEBHOOKS)])
    assert tally.server_errors() == 0 and tally.errors == []
    assert webhooks == [200] * WEBHOOKS
    allowed = [answer for answer in answers if answer.status_code == 200]
    refused = [answer for answer in answers if answer.status_code == 429]
    assert (len(allowed), len(refused)) == (API_LIMIT, API_REQUESTS - API_LIMIT)
    for answer in refused:
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == "rate_limited"
        assert 0 < int(answer.headers["Retry-After"]) <= 3600
    # What is left comes from each request's own count, so even at once every allowed
    # answer sees a different number: 9 down to 0, each exactly once.
    remaining = [int(answer.headers["X-RateLimit-Remaining"]) for answer in allowed]
    assert sorted(remaining) == list(range(API_LIMIT))
    for answer, left in zip(allowed, remaining, strict=True):
        assert answer.headers["RateLimit-Policy"] == f"{API_LIMIT};w=3600"
        assert answer.headers["RateLimit"].startswith(f"limit={API_LIMIT}, remaining={left},")
    # Another key has its own count; one request after another, whichever worker answers,
    # what is left goes down by one each time.
    others = [api_get(server, other_secret, tally) for _ in range(OTHER_REQUESTS)]
    assert [answer.status_code for answer in others] == [200] * OTHER_REQUESTS
    left = [int(answer.headers["X-RateLimit-Remaining"]) for answer in others]
    assert left == list(range(API_LIMIT - 1, API_LIMIT - 1 - OTHER_REQUESTS, -1))
