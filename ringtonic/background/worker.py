"""`flask --app wsgi worker`: run the Huey consumer, plus a sweeper for due outbox rows."""

from __future__ import annotations

import contextlib
import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from huey.consumer import Consumer

from ringtonic.background import Job, queue_of, run_in_app
from ringtonic.background.webhooks import enqueue_due_deliveries

log = logging.getLogger(__name__)


def _sweep_forever(app, stop: threading.Event, every: float) -> None:
    """Re-enqueue due webhook deliveries every `every` seconds (at start, too)."""
    job = Job("webhooks.sweep", enqueue_due_deliveries, minutes=1)
    while not stop.is_set():
        # A failure is logged by run_in_app; the next round tries again.
        with contextlib.suppress(Exception):
            run_in_app(app, job)
        stop.wait(every)


@click.command("worker")
@click.option("--threads", default=8, show_default=True, help="Tasks run at the same time.")
@click.option(
    "--sweep-seconds",
    default=15.0,
    show_default=True,
    help="How often due webhook deliveries are re-enqueued (crash recovery).",
)
@with_appcontext
def worker_command(threads: int, sweep_seconds: float) -> None:
    """Run background work (webhook deliveries, periodic jobs) until SIGINT/SIGTERM."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app, for threads
    queue = queue_of(app)
    # An idle SQLite queue is polled at most every half second (Huey's default backs off to
    # 10 s), so a webhook leaves well within 2 s of its call update; Redis blocks instead.
    consumer = Consumer(queue, workers=threads, worker_type="thread", periodic=True, max_delay=0.5)
    stop = threading.Event()
    sweeper = threading.Thread(
        target=_sweep_forever, args=(app, stop, sweep_seconds), name="sweeper", daemon=True
    )
    sweeper.start()
    click.echo(f"worker: {threads} threads on the {type(queue).__name__} queue", err=True)
    try:
        consumer.run()
    finally:
        stop.set()
