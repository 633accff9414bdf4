"""Gunicorn settings shared by `make run`, benchmarks and deployments."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

# gunicorn reads this file before it changes to --chdir: find the app next to it.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ringtonic.observability.logs import (  # noqa: E402
    ACCESS_FORMAT,
    gunicorn_logging,
    log_format,
)

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads in each worker, not one request per process. Gunicorn's `timeout` kills a
# worker whose main loop has not checked in for that long. A sync worker's main loop is
# the request itself, so an export streamed to a slow client, or a big import, was
# killed after 30 s and the client got a cut file. A gthread worker's main loop checks
# in every second while its threads serve, so `timeout` only catches a stuck process.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
# On a restart or shutdown, requests in flight get this long before they are cut (a cut
# export ends without HTTP's last chunk, so clients see it is incomplete).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "60"))
# Limits on what gunicorn reads before the app sees a request, explicit so operators and
# the API document (ringtonic/api/openapi_shared.py) agree: a longer request line answers
# 414, a longer header line or more header fields 431, malformed HTTP 400, each a short
# text/html page from gunicorn itself. Bodies are limited by the app (problem+json 413).
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "8190"))
limit_request_field_size = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", "8190"))
limit_request_fields = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELDS", "100"))
accesslog = "-"
# Path without the query string, and no Referer: neither can then leak a key into the log.
access_log_format = ACCESS_FORMAT
# Gunicorn trusts no forwarded header from anyone: the app's ProxyFix takes the client
# address and scheme from exactly RINGTONIC_TRUSTED_PROXIES proxies (none by default), so
# one setting decides. Left to gunicorn, any local process or a proxy passing a client's
# X-Forwarded-Proto/-Ssl through would make plain HTTP requests look like HTTPS.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
try:
    # The app's own log records (a database or Redis outage...), gunicorn's error log and
    # its access log, each line with the request id, as text or JSON lines.
    logconfig_dict = gunicorn_logging(log_format(os.environ.get("RINGTONIC_LOG_FORMAT")))
except ValueError as error:
    sys.exit(f"Configuration error: {error}")

# Set by on_starting when the master made its own metrics directory (removed on exit).
_own_metrics_dir: list[str] = []


def on_starting(server):
    """Set up Prometheus' multi-process mode, with empty metrics.

    Each worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR and /metrics
    sums them. Workers are forked (and import prometheus_client) after this runs. Without
    an operator's directory, a private one lives as long as the master; files a previous
    master left in the operator's would be counted again, so they go.
    """
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ringtonic-metrics-")
        _own_metrics_dir.append(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink()


def child_exit(server, worker):
    """Drop a dead worker's live gauges (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the private metrics directory."""
    for directory in _own_metrics_dir:
        shutil.rmtree(directory, ignore_errors=True)
