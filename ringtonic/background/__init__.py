"""Background work: a Huey queue, its tasks, and the periodic jobs other packages register.

The queue is SQLite (a file in the instance folder, no extra server) unless REDIS_URL is
set, when every worker and host shares Redis. `RINGTONIC_BACKGROUND_IMMEDIATE=true`
(tests) runs each task as soon as it is enqueued, in the enqueuing process.

Workers: `flask --app wsgi worker` (see docs/operations.md); `make run` starts one beside
gunicorn.

Registering a periodic job is one line, at import time of the module that owns it:

    from ringtonic.background import periodic_job
    periodic_job("purge_blocked_calls", purge_blocked_calls, minutes=60)

The function takes one argument, `now` (aware UTC datetime), must be idempotent (a job
can run twice, or late after a worker restart) and should not commit: the runner commits
once when it returns and rolls back when it raises (bulk jobs that delete or copy in
batches commit each batch themselves, so live webhooks never wait behind them). It runs
in its own app context and database session. `minutes` is how often it runs (1 = every
minute, 60 = hourly at :00, 1440 = daily at 00:00 UTC). Every registration is listed in
`ringtonic/background/jobs.py`, imported before the queue is built.

One-off tasks (`task("name", fn)`) take JSON-able arguments, commit like periodic jobs,
and are enqueued with `enqueue(app, "name", *args)`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import redis
from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab

from ringtonic.models.types import utcnow

log = logging.getLogger(__name__)

EXTENSION = "ringtonic_huey"
QUEUE_NAME = "ringtonic"


@dataclass(frozen=True)
class Job:
    """A registered function and, for a periodic one, how often it runs."""

    name: str
    function: Callable
    minutes: int | None = None


_JOBS: dict[str, Job] = {}


def _register(job: Job) -> None:
    existing = _JOBS.get(job.name)
    if existing is not None and existing.function is not job.function:
        raise ValueError(f"background job {job.name!r} is registered twice")
    _JOBS[job.name] = job


def registered_jobs() -> Mapping[str, Job]:
    """Return every registered job by name (read-only)."""
    return MappingProxyType(_JOBS)


def periodic_job(name: str, function: Callable, minutes: int = 1) -> None:
    """Run `function(now)` every `minutes` minutes (1 to 1440) in a worker."""
    if not 1 <= minutes <= 1440:
        raise ValueError("minutes must be between 1 and 1440")
    _register(Job(name, function, minutes))


def task(name: str, function: Callable) -> None:
    """Make `function(*args)` a task that `enqueue(app, name, *args)` runs in a worker."""
    _register(Job(name, function))


def _schedule(minutes: int) -> Callable:
    if minutes < 60:
        return crontab(minute=f"*/{minutes}")
    if minutes < 1440:
        return crontab(minute="0", hour=f"*/{minutes // 60}")
    return crontab(minute="0", hour="0")


def build_queue(app: Flask) -> Huey:
    """Return the Huey instance the app's configuration asks for."""
    immediate = bool(app.config.get("RINGTONIC_BACKGROUND_IMMEDIATE"))
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        # A Redis that stops answering costs an enqueue half a second, not a TCP timeout
        # (the sweep enqueues again); reads stay above the consumer's 1 s blocking pop.
        pool = redis.ConnectionPool.from_url(
            redis_url, socket_connect_timeout=0.5, socket_timeout=5
        )
        return RedisHuey(QUEUE_NAME, connection_pool=pool, immediate=immediate, results=False)
    path = Path(app.instance_path) / "queue.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    # No fsync per enqueue: what must survive a crash is in the app's database (the
    # webhook outbox), which workers sweep; the queue only says "look now".
    return SqliteHuey(
        QUEUE_NAME, filename=str(path), immediate=immediate, results=False, fsync=False
    )


def run_in_app(app: Flask, job: Job, *args) -> None:
    """Run one job in a fresh app context (its own session) and commit its work once."""
    from ringtonic.extensions import db

    with app.app_context():
        try:
            if job.minutes is None:
                job.function(*args)
            else:
                job.function(utcnow())
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("background job %s failed", job.name)
            raise
        finally:
            db.session.remove()


def _bind(app: Flask, queue: Huey, job: Job):
    def run(*args):
        run_in_app(app, job, *args)

    run.__name__ = job.name
    if job.minutes is None:
        return queue.task(name=job.name)(run)
    return queue.periodic_task(_schedule(job.minutes), name=job.name)(run)


def init_app(app: Flask) -> None:
    """Build the app's queue and bind every registered job to it."""
    from ringtonic.background import jobs  # noqa: F401  (registers the jobs)
    from ringtonic.observability.metrics import register_queue
    from ringtonic.services.webhooks.outbox import pending_deliveries

    # Scrapes count the outbox, shared by every host, not one worker's Huey queue.
    register_queue("webhooks", pending_deliveries)

    queue = build_queue(app)
    tasks = {job.name: _bind(app, queue, job) for job in _JOBS.values()}
    app.extensions[EXTENSION] = (queue, tasks)


def queue_of(app: Flask) -> Huey:
    """Return the app's Huey instance."""
    return app.extensions[EXTENSION][0]


def enqueue(app: Flask, name: str, *args) -> None:
    """Put task `name` on the queue (run now, in immediate mode); KeyError if unknown."""
    app.extensions[EXTENSION][1][name](*args)
