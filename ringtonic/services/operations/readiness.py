"""Is this app host ready for traffic: does the database answer, and Redis when configured."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# A balancer polls every second: a check that hangs must give up well within that.
REDIS_TIMEOUT_SECONDS = 0.5

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


@dataclass(frozen=True)
class Readiness:
    """The result of each check ("ok" or why not), and the names of those that failed."""

    checks: dict[str, str]

    @property
    def failed(self) -> list[str]:
        """Return the names of the checks that failed."""
        return [name for name, result in self.checks.items() if result != "ok"]

    @property
    def ready(self) -> bool:
        """Return True when every check passed."""
        return not self.failed


def _redis_client(url: str) -> redis.Redis:
    """Return this process's client for `url` (its pool keeps the connection open)."""
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
            _clients[url] = client
        return client


def check_database(engine: Engine) -> str:
    """Return "ok" if the database answers a trivial query, else the kind of failure."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not ready"; the log says which
        log.warning("readiness: database check failed: %s", type(error).__name__)
        return "unreachable"
    return "ok"


def check_redis(url: str) -> str:
    """Return "ok" if Redis answers PING, else the kind of failure."""
    try:
        _redis_client(url).ping()
    except redis.RedisError as error:
        log.warning("readiness: Redis check failed: %s", type(error).__name__)
        return "unreachable"
    return "ok"


def readiness(engine: Engine, redis_url: str | None) -> Readiness:
    """Check the database and, when one is configured, Redis."""
    checks = {"database": check_database(engine)}
    if redis_url:
        checks["redis"] = check_redis(redis_url)
    return Readiness(checks)
