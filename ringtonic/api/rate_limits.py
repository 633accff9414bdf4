"""Request quotas per API key and a per-IP limit on failed authentication, with their headers.

Counters live in the rate-limit storage Flask-Limiter is configured with
(`RATELIMIT_STORAGE_URI`: memory:// or Redis, so every worker and host shares them). If that
storage stops answering, the API keeps answering: counting moves to this process's memory,
with a warning in the log, and goes back to the shared storage once it answers again.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from ringtonic.api import bp
from ringtonic.api.errors import ApiProblem
from ringtonic.api.quota_storage import SweptMemoryStorage
from ringtonic.web.access import client_ip

log = logging.getLogger(__name__)

EXTENSION_NAME = "ringtonic.api_rate_limits"
KEY_SCOPE = "api-key"
FAILED_AUTH_SCOPE = "api-auth-failure"
# After the shared storage fails, count locally this long before asking it again.
SHARED_STORAGE_RETRY_SECONDS = 30.0
# A Redis that hangs must not hang the API: give up fast and count locally instead.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

T = TypeVar("T")


@dataclass(frozen=True)
class WindowUse:
    """One window of a limit as a client sees it: its size, what is left, when it resets."""

    limit: int
    remaining: int
    reset_at: float  # Unix time

    def reset_after(self, now: float) -> int:
        """Return the whole seconds until the window resets (at least 1 when exhausted)."""
        seconds = max(0, math.ceil(self.reset_at - now))
        return max(seconds, 1) if self.remaining == 0 else seconds


@dataclass(frozen=True)
class KeyCharge:
    """The outcome of charging one request to a key: allowed or not, and every window."""

    allowed: bool
    windows: list[WindowUse]


def _by_window(limits_text: str) -> list[RateLimitItem]:
    return sorted(parse_many(limits_text), key=lambda item: item.get_expiry())


# Every API request reads or counts four counters; limits builds each one's storage key
# from its parts every time. Bounded: client addresses are countless.
@functools.lru_cache(maxsize=4096)
def _counter_key(item: RateLimitItem, scope: str, identifier: str) -> str:
    return item.key_for(scope, identifier)


class ApiRateLimits:
    """The API's limits and the counters behind them, for one app."""

    def __init__(self, config) -> None:
        self.enabled = bool(config.get("RATELIMIT_ENABLED", True))
        # Smallest window first: a request refused by the hour never counts against the day.
        self.key_limits = _by_window(config["RINGTONIC_API_RATE_LIMITS"])
        self.failure_limits = _by_window(config["RINGTONIC_API_AUTH_FAILURE_LIMIT"])
        uri = config["RATELIMIT_STORAGE_URI"]
        options = dict(config.get("RATELIMIT_STORAGE_OPTIONS", {}))
        if uri.startswith("redis"):
            options = {**REDIS_TIMEOUTS, **options}
        if uri.startswith("memory:"):
            shared = SweptMemoryStorage()
        else:
            shared = storage_from_string(uri, wrap_exceptions=True, **options)
        self._shared = FixedWindowRateLimiter(shared)
        self._local = FixedWindowRateLimiter(SweptMemoryStorage())
        self._shared_down_until = 0.0
        self.policy = ", ".join(f"{item.amount};w={item.get_expiry()}" for item in self.key_limits)

    def _run(self, operation: Callable[[FixedWindowRateLimiter], T]) -> T:
        if time.monotonic() >= self._shared_down_until:
            try:
                return operation(self._shared)
            except StorageError as error:
                self._shared_down_until = time.monotonic() + SHARED_STORAGE_RETRY_SECONDS
                log.warning(
                    "API rate-limit storage unreachable (%s); counting in this process for %d s",
                    error.storage_error,
                    SHARED_STORAGE_RETRY_SECONDS,
                )
        return operation(self._local)

    @staticmethod
    def _use(storage, item: RateLimitItem, scope: str, identifier: str) -> WindowUse:
        key = _counter_key(item, scope, identifier)
        remaining = max(0, item.amount - storage.get(key))
        return WindowUse(item.amount, remaining, storage.get_expiry(key))

    def charge_key(self, key_id: str) -> KeyCharge:
        """Count one request against every window of the key's limits."""

        def charge(strategy) -> KeyCharge:
            storage = strategy.storage
            allowed, windows = True, []
            for item in self.key_limits:
                if not allowed:
                    # Refused by a smaller window: the larger ones are read, not counted.
                    windows.append(self._use(storage, item, KEY_SCOPE, key_id))
                    continue
                key = _counter_key(item, KEY_SCOPE, key_id)
                # What is left comes from the count this request made (one atomic step),
                # so two requests at once never both see the same number left.
                count = storage.incr(key, item.get_expiry())
                allowed = count <= item.amount
                left = max(0, item.amount - count)
                windows.append(WindowUse(item.amount, left, storage.get_expiry(key)))
            return KeyCharge(allowed, windows)

        return self._run(charge)

    def failed_authentication_wait(self, ip: str) -> int | None:
        """Return the seconds `ip` must wait after too many failed authentications, or None."""

        def wait(strategy) -> int | None:
            storage, now, waits = strategy.storage, time.time(), []
            for item in self.failure_limits:
                key = _counter_key(item, FAILED_AUTH_SCOPE, ip)
                if storage.get(key) >= item.amount:
                    used_up = WindowUse(item.amount, 0, storage.get_expiry(key))
                    waits.append(used_up.reset_after(now))
            return max(waits) if waits else None

        return self._run(wait)

    def count_failed_authentication(self, ip: str) -> None:
        """Count one failed authentication from `ip`."""

        def count(strategy) -> None:
            for item in self.failure_limits:
                strategy.storage.incr(_counter_key(item, FAILED_AUTH_SCOPE, ip), item.get_expiry())

        self._run(count)


@bp.record_once
def _create_limits(state) -> None:
    """Give the app its API rate limits, from its configuration."""
    state.app.extensions[EXTENSION_NAME] = ApiRateLimits(state.app.config)


def limits_of(app: Flask) -> ApiRateLimits:
    """Return the app's API rate limits."""
    return app.extensions[EXTENSION_NAME]


def _client_address() -> str:
    return client_ip() or "unknown"


def refuse_clients_failing_authentication() -> None:
    """Answer 429, before looking at the key, to an IP with too many failed authentications."""
    limits = limits_of(current_app)
    if not limits.enabled or request.method == "OPTIONS":
        return
    wait = limits.failed_authentication_wait(_client_address())
    if wait is not None:
        raise ApiProblem(
            "rate_limited",
            "Too many requests from this address failed to authenticate.",
            headers={"Retry-After": str(wait)},
        )


def charge_request_to_key() -> None:
    """Count the request against its key's quotas; answer 429 once a window is used up."""
    limits = limits_of(current_app)
    api_key = g.get("api_key")
    if not limits.enabled or api_key is None:
        return
    charge = limits.charge_key(str(api_key.uuid))
    g.rate_limit_windows = charge.windows
    if not charge.allowed:
        now = time.time()
        wait = max(w.reset_after(now) for w in charge.windows if w.remaining == 0)
        raise ApiProblem(
            "rate_limited",
            "This API key has used up its requests for now.",
            headers={"Retry-After": str(wait)},
        )


def most_constrained(windows: list[WindowUse]) -> WindowUse:
    """Return the window with the fewest requests left (the later reset on a tie)."""
    return min(windows, key=lambda w: (w.remaining, -w.reset_at))


def add_rate_limit_headers(response: Response) -> Response:
    """Describe the key's quotas on the response (every response after authentication)."""
    windows = g.get("rate_limit_windows")
    if not windows:
        return response
    now = time.time()
    tightest = most_constrained(windows)
    # Added, not set: nothing before this sets them, and setting searches every header.
    add = response.headers.add
    add("RateLimit-Policy", limits_of(current_app).policy)
    add(
        "RateLimit",
        f"limit={tightest.limit}, remaining={tightest.remaining}, "
        f"reset={tightest.reset_after(now)}",
    )
    add("X-RateLimit-Limit", str(tightest.limit))
    add("X-RateLimit-Remaining", str(tightest.remaining))
    add("X-RateLimit-Reset", str(math.ceil(tightest.reset_at)))
    return response


def count_failed_authentication(response: Response) -> Response:
    """Count a 401 against the client's address."""
    limits = limits_of(current_app)
    if response.status_code == 401 and limits.enabled:
        limits.count_failed_authentication(_client_address())
    return response
