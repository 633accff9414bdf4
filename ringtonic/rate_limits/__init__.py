"""Every rate limit of the app, counted through one `limits` storage, and their headers.

Sign-in attempts (per client address and per email), invitations (per account), API
requests (per key), failed API authentication and website visits and heartbeats (per
address; an IPv6 client by its /64, see address_identifier) are fixed windows
configured in ringtonic/config.py. The counters are shared by every worker and host: in
Redis when REDIS_URL is set, otherwise in the database (table rate_limit_counters) —
except, by default without Redis, the website heartbeats, which count in each process's
memory (RINGTONIC_TRACKER_LIMIT_STORAGE). If that
storage stops answering, requests are still answered: counting moves to this process's
memory, with a warning in the log, and goes back to the shared storage once it answers.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app
from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from sqlalchemy.engine import Connection, Engine
from werkzeug.exceptions import TooManyRequests

from ringtonic.config import (
    DATABASE_STORAGE_SCHEME,
    TRACKER_LIMIT_STORAGES,
    ConfigError,
    parse_limits,
)
from ringtonic.ip_addresses import parse_ip
from ringtonic.observability.metrics import record_rate_limit_refusal
from ringtonic.rate_limits.storage import Alongside, DatabaseStorage, LocalStorage

log = logging.getLogger(__name__)

EXTENSION_NAME = "ringtonic.rate_limits"
# What is counted, and the setting that holds its limits.
LOGIN_IP = "login-ip"
LOGIN_EMAIL = "login-email"
INVITATION = "invitation"
API_KEY = "api-key"
API_AUTH_FAILURE = "api-auth-failure"
VISIT = "website-visit"
HEARTBEAT = "website-heartbeat"
SETTINGS = {
    LOGIN_IP: "RINGTONIC_LOGIN_LIMIT_PER_IP",
    LOGIN_EMAIL: "RINGTONIC_LOGIN_LIMIT_PER_EMAIL",
    INVITATION: "RINGTONIC_INVITATION_LIMIT",
    API_KEY: "RINGTONIC_API_RATE_LIMITS",
    API_AUTH_FAILURE: "RINGTONIC_API_AUTH_FAILURE_LIMIT",
    VISIT: "RINGTONIC_VISIT_LIMIT_PER_IP",
    HEARTBEAT: "RINGTONIC_HEARTBEAT_LIMIT_PER_IP",
}
# The website tracker's public endpoints, whose counters may live in each process instead.
TRACKER_SCOPES = frozenset((VISIT, HEARTBEAT))
# After the shared storage fails, count locally this long before asking it again.
SHARED_STORAGE_RETRY_SECONDS = 30.0
# A Redis that hangs must not hang requests: give up fast and count locally instead.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
# Who is counted, as part of a counter's key: an email is at most 254 characters.
IDENTIFIER_MAX = 254
# An IPv6 client is counted by its /64: the smallest network a provider hands a home or an
# office (RFC 6177), inside which one machine can take a new address for every request.
IPV6_COUNTED_PREFIX = 64

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
class Charge:
    """The outcome of counting one attempt: allowed or not, and every window of the limit."""

    scope: str
    allowed: bool
    windows: list[WindowUse]
    # The value of the read asked to run with the count, when the storage could (None).
    alongside: Any = None

    def retry_after(self, now: float) -> int:
        """Return the seconds until every used-up window has reset (0 when none is)."""
        waits = [w.reset_after(now) for w in self.windows if w.remaining == 0]
        return max(waits, default=0)


class RateLimited(TooManyRequests):
    """A 429 for a web page: what to tell the person, and the charge behind it."""

    def __init__(self, message: str, charge: Charge) -> None:
        super().__init__(message, retry_after=charge.retry_after(time.time()))
        self.charge = charge


@functools.lru_cache(maxsize=4096)
def address_identifier(address: str | None) -> str:
    """Return who a client address is, for per-address limits: one text per person.

    Every spelling of an address counts as one (`2001:DB8::1`, `2001:db8:0::1`; an IPv4
    address and its IPv4-mapped IPv6 form), and an IPv6 address counts as its /64. Text
    that is no address (from a misconfigured proxy) is counted as it is.
    """
    if not address:
        return "unknown"
    try:
        parsed = parse_ip(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, IPV6_COUNTED_PREFIX), strict=False))
    return str(parsed)


# Every API request reads or counts several counters; limits builds each one's storage key
# from its parts every time. Bounded: client addresses are countless.
@functools.lru_cache(maxsize=4096)
def _counter_key(item: RateLimitItem, scope: str, identifier: str) -> str:
    return item.key_for(scope, identifier[:IDENTIFIER_MAX])


def _tracker_scopes_counted_locally(config: Mapping[str, Any]) -> frozenset[str]:
    """Return the tracker scopes counted in this process's memory (the operator's choice).

    `auto` without Redis shares the visit count (in the database) and keeps heartbeats in
    each process: only a visit start can take a pool number, so the shared visit count is
    what holds a bot to the limit across workers and hosts, while a heartbeat only keeps
    the one number its visit already holds and a database write per heartbeat would cost
    the tracker most of its speed.
    """
    choice = config.get("RINGTONIC_TRACKER_LIMIT_STORAGE", "auto")
    if choice not in TRACKER_LIMIT_STORAGES:
        raise ConfigError(
            f"RINGTONIC_TRACKER_LIMIT_STORAGE must be one of {', '.join(TRACKER_LIMIT_STORAGES)}"
        )
    if choice == "auto":
        if config["RATELIMIT_STORAGE_URI"].startswith("redis"):
            return frozenset()
        return frozenset((HEARTBEAT,))
    return TRACKER_SCOPES if choice == "process" else frozenset()


def _shared_storage(config: Mapping[str, Any], engine: Engine | None) -> Storage:
    uri = config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory:"):
        # One process only (tests, a single worker): nothing to share.
        return LocalStorage()
    options: dict[str, Any] = dict(config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if uri.startswith(DATABASE_STORAGE_SCHEME + ":"):
        # DatabaseStorage registered this scheme with limits when it was imported.
        options = {"engine": engine}
    elif uri.startswith("redis"):
        options = {**REDIS_TIMEOUTS, **options}
    storage = storage_from_string(uri, wrap_exceptions=True, **options)
    if not isinstance(storage, Storage):
        raise ConfigError(f"RATELIMIT_STORAGE_URI must name a synchronous storage, got {uri!r}")
    return storage


class RateLimits:
    """The app's limits and the counters behind them."""

    def __init__(self, config: Mapping[str, Any], engine: Engine | None = None) -> None:
        self.enabled = bool(config.get("RATELIMIT_ENABLED", True))
        self.limits = {scope: parse_limits(config[name]) for scope, name in SETTINGS.items()}
        self.policies = {
            scope: ", ".join(f"{item.amount};w={item.get_expiry()}" for item in items)
            for scope, items in self.limits.items()
        }
        self.shared = _shared_storage(config, engine)
        self._local = LocalStorage()
        self.counted_locally = _tracker_scopes_counted_locally(config)
        self._shared_down_until = 0.0
        self._counting_locally = False

    def _run(self, operation: Callable[[Storage], T], scope: str = "") -> T:
        if scope in self.counted_locally:
            return operation(self._local)
        if time.monotonic() >= self._shared_down_until:
            try:
                result = operation(self.shared)
            except StorageError as error:
                self._shared_down_until = time.monotonic() + SHARED_STORAGE_RETRY_SECONDS
                self._counting_locally = True
                log.warning(
                    "rate-limit storage unreachable (%s); counting in this process for %d s",
                    type(error.storage_error).__name__,
                    SHARED_STORAGE_RETRY_SECONDS,
                )
            else:
                if self._counting_locally:
                    self._counting_locally = False
                    log.info("rate-limit storage recovered; counting there again")
                return result
        return operation(self._local)

    def charge(
        self,
        scope: str,
        identifier: str,
        alongside: Alongside | None = None,
        within: Connection | None = None,
    ) -> Charge:
        """Count one attempt by `identifier` against every window of the `scope` limits.

        `alongside`, a scalar read and its parameters, runs in the same statement as the
        count when the counters are in the database; Charge.alongside is then its value,
        else None (the caller reads it itself). `within`: a connection whose transaction
        a count in a SQLite database joins; the caller then commits it, answer or error.
        """

        def charge(storage: Storage) -> Charge:
            if isinstance(storage, DatabaseStorage):
                return self._charge_in_one_transaction(
                    storage, scope, identifier, alongside, within
                )
            allowed, windows = True, []
            for item in self.limits[scope]:
                key = _counter_key(item, scope, identifier)
                if not allowed:
                    # Refused by a smaller window: the larger ones are read, not counted.
                    left = max(0, item.amount - storage.get(key))
                else:
                    # What is left comes from the count this attempt made (one atomic
                    # step), so two attempts at once never see the same number left.
                    count = storage.incr(key, item.get_expiry())
                    allowed = count <= item.amount
                    left = max(0, item.amount - count)
                windows.append(WindowUse(item.amount, left, storage.get_expiry(key)))
            return Charge(scope, allowed, windows)

        result = self._run(charge, scope)
        if not result.allowed:
            record_rate_limit_refusal(scope)
        return result

    def _charge_in_one_transaction(
        self,
        storage: DatabaseStorage,
        scope: str,
        identifier: str,
        alongside: Alongside | None,
        within: Connection | None,
    ) -> Charge:
        """Charge every window of the limit through the database in one transaction."""
        items = self.limits[scope]
        counted, read_alongside = storage.charge_windows(
            [
                (_counter_key(item, scope, identifier), item.get_expiry(), item.amount)
                for item in items
            ],
            alongside,
            within,
        )
        allowed, windows = True, []
        for item, (count, ends, was_counted) in zip(items, counted, strict=True):
            if was_counted:
                allowed = count <= item.amount
            windows.append(WindowUse(item.amount, max(0, item.amount - count), ends))
        return Charge(scope, allowed, windows, read_alongside)

    def wait(self, scope: str, identifier: str) -> int | None:
        """Return the seconds `identifier` must wait, its `scope` limit used up, or None."""

        def wait(storage: Storage) -> int | None:
            now, waits = time.time(), []
            for item in self.limits[scope]:
                key = _counter_key(item, scope, identifier)
                if storage.get(key) >= item.amount:
                    used_up = WindowUse(item.amount, 0, storage.get_expiry(key))
                    waits.append(used_up.reset_after(now))
            return max(waits) if waits else None

        seconds = self._run(wait, scope)
        if seconds is not None:
            record_rate_limit_refusal(scope)
        return seconds

    def count(self, scope: str, identifier: str) -> None:
        """Count one attempt by `identifier` against the `scope` limits, without a verdict."""

        def count(storage: Storage) -> None:
            for item in self.limits[scope]:
                storage.incr(_counter_key(item, scope, identifier), item.get_expiry())

        self._run(count, scope)


def init_app(app: Flask, engine: Engine | None) -> None:
    """Give the app its rate limits, from its configuration."""
    app.extensions[EXTENSION_NAME] = RateLimits(app.config, engine)


def limits_of(app: Flask) -> RateLimits:
    """Return the app's rate limits."""
    return app.extensions[EXTENSION_NAME]


def enforce(scope: str, identifier: str, message: str) -> Charge | None:
    """Count an attempt from a web page; raise RateLimited (429, `message`) past the limit."""
    limits = limits_of(current_app)
    if not limits.enabled:
        return None
    charge = limits.charge(scope, identifier)
    if not charge.allowed:
        raise RateLimited(message, charge)
    return charge


def rate_limit_headers(charge: Charge) -> list[tuple[str, str]]:
    """Return the headers that describe a charge: the one place they are written.

    `RateLimit-Policy` lists every window; `RateLimit` and `X-RateLimit-*` describe the
    window with the fewest attempts left; `Retry-After` comes with a refusal.
    """
    policy = limits_of(current_app).policies[charge.scope]
    now = time.time()
    tightest = min(charge.windows, key=lambda w: (w.remaining, -w.reset_at))
    headers = [
        ("RateLimit-Policy", policy),
        (
            "RateLimit",
            f"limit={tightest.limit}, remaining={tightest.remaining}, "
            f"reset={tightest.reset_after(now)}",
        ),
        ("X-RateLimit-Limit", str(tightest.limit)),
        ("X-RateLimit-Remaining", str(tightest.remaining)),
        ("X-RateLimit-Reset", str(math.ceil(tightest.reset_at))),
    ]
    if not charge.allowed:
        headers.append(("Retry-After", str(charge.retry_after(now))))
    return headers
