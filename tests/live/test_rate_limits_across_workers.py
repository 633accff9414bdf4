"""Rate limits shared by 4 gunicorn workers through a real Redis: exactly N get through.

Proved on the sign-in limit per IP (Flask-Limiter, RATELIMIT_STORAGE_URI = REDIS_URL) and on
an API key's quota (its counters in the same storage): with memory storage each worker would
count alone and let up to 4 × N through.
"""

from __future__ import annotations

from tests.live.clients import Browser, Tally, api_get, run_all

LIMIT = 10
CLIENTS, ATTEMPTS_EACH = 8, 5


def post_login_attempts(server, tally: Tally, answers: list, count: int):
    """Return a job: sign-in attempts with empty fields (refused quickly, still counted)."""

    def attempt() -> None:
        browser = Browser(server, tally)
        token = browser.form_values("/login")
        for _ in range(count):
            response = browser.request("POST", "/login", data=token)
            answers.append((response.status_code, response.headers.get("Retry-After")))

    return attempt


def test_exactly_the_limit_gets_through_across_four_workers(start_server, redis_server):
    server = start_server(
        REDIS_URL=redis_server.url,
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
    # The count lives in Redis: one key for the sign-in limit of this address.
    keys = redis_server.client().keys("*")
    assert keys and any(b"login" in key for key in keys)


API_LIMIT = 10
API_REQUESTS = 40
OTHER_REQUESTS = 5


def test_exactly_a_keys_quota_gets_through_across_four_workers(scene, start_server, redis_server):
    server = start_server(
        REDIS_URL=redis_server.url, RINGTONIC_API_RATE_LIMITS=f"{API_LIMIT} per hour"
    )
    secret, other_secret = scene.reader_keys[:2]
    tally, answers = Tally(), []

    def get_me() -> None:
        answers.append(api_get(server, secret, tally))

    run_all([get_me for _ in range(API_REQUESTS)])
    assert tally.server_errors() == 0 and tally.errors == []
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
