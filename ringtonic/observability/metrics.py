"""Prometheus metrics, in gunicorn's multi-process mode when PROMETHEUS_MULTIPROC_DIR is set.

Counters and histograms are written by each worker to files in that directory (see
gunicorn.conf.py) and summed by whichever worker answers /metrics. Gauges that describe
shared state (queue depth, pool use) are read from the database when scraped instead:
every worker would report the same number, and a scrape is rare next to the requests.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests that matched no route are counted under one label, so a scan of random
# paths cannot create a series per path.
UNMATCHED = "unmatched"

REQUESTS = Counter(
    "ringtonic_http_requests",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "ringtonic_http_request_duration_seconds",
    "Time to build each response (until the app hands it to gunicorn), by endpoint.",
    ["endpoint", "method"],
)
WEBHOOKS = Counter(
    "ringtonic_webhook_ingest",
    "Twilio webhooks received, by kind (voice, status) and outcome.",
    ["kind", "outcome"],
)
RATE_LIMIT_REFUSALS = Counter(
    "ringtonic_rate_limit_refusals",
    "Attempts refused by a rate limit, by scope (api-key: API quota refusals).",
    ["scope"],
)
DELIVERIES = Counter(
    "ringtonic_background_deliveries",
    "Background deliveries attempted, by queue and outcome (delivered, retry, failed...).",
    ["queue", "outcome"],
)

# Readers of the background queues' depth, by queue name (see register_queue).
_queues: dict[str, Callable[[], int]] = {}
_queues_lock = threading.Lock()


def register_queue(name: str, depth: Callable[[], int]) -> None:
    """Report `depth()` as ringtonic_background_queue_depth{queue=name} on every scrape.

    `depth` runs inside the app context of the worker answering the scrape, so it may
    query the database; it should be one cheap COUNT.
    """
    with _queues_lock:
        _queues[name] = depth


def unregister_queue(name: str) -> None:
    """Stop reporting a queue's depth."""
    with _queues_lock:
        _queues.pop(name, None)


def record_delivery(queue: str, outcome: str) -> None:
    """Count one delivery attempt of a background queue and its outcome."""
    DELIVERIES.labels(queue, outcome).inc()


def record_webhook(kind: str, outcome: str) -> None:
    """Count one Twilio webhook and what became of it."""
    WEBHOOKS.labels(kind, outcome).inc()


def record_rate_limit_refusal(scope: str) -> None:
    """Count one attempt a rate limit refused."""
    RATE_LIMIT_REFUSALS.labels(scope).inc()


def multiprocess_dir() -> str | None:
    """Return the directory the workers share their metrics through, if any."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _SharedStateCollector(Collector):
    """Gauges read from the database at scrape time: queue depths and pool use."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from ringtonic.services.operations.gauges import tracking_pool_use

        depth = GaugeMetricFamily(
            "ringtonic_background_queue_depth",
            "Jobs waiting in each background queue.",
            labels=["queue"],
        )
        with _queues_lock:
            queues = dict(_queues)
        for name, read in sorted(queues.items()):
            depth.add_metric([name], read())
        yield depth
        pool = tracking_pool_use()
        size = GaugeMetricFamily(
            "ringtonic_tracking_pool_numbers",
            "Numbers in website-tracking pools (all workspaces).",
        )
        size.add_metric([], pool.size)
        yield size
        leased = GaugeMetricFamily(
            "ringtonic_tracking_pool_leased_numbers",
            "Pool numbers held by a visit or cooling down now (all workspaces).",
        )
        leased.add_metric([], pool.leased)
        yield leased
        utilisation = GaugeMetricFamily(
            "ringtonic_tracking_pool_utilisation_ratio",
            "Leased pool numbers over pool numbers (0 when there is no pool).",
        )
        utilisation.add_metric([], pool.leased / pool.size if pool.size else 0.0)
        yield utilisation


class _ThisProcess(Collector):
    """Everything this process registered, when there is no multi-process directory."""

    def collect(self):
        yield from REGISTRY.collect()


def exposition() -> Response:
    """Return every metric in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_SharedStateCollector())
    return Response(generate_latest(registry), mimetype=None, content_type=CONTENT_TYPE_LATEST)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    endpoint = request.endpoint or UNMATCHED
    method = request.method if request.method in HTTP_METHODS else "other"
    REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(endpoint, method).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Time every request from the first before_request hook to its response."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe)
