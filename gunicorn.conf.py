"""Gunicorn settings shared by `make run`, benchmarks and deployments."""

import logging
import os
import sys

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
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
# Gunicorn trusts no forwarded header from anyone: the app's ProxyFix takes the client
# address and scheme from exactly RINGTONIC_TRUSTED_PROXIES proxies (none by default), so
# one setting decides. Left to gunicorn, any local process or a proxy passing a client's
# X-Forwarded-Proto/-Ssl through would make plain HTTP requests look like HTTPS.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}


def on_starting(server):
    """Send the app's own log records (a database or Redis outage...) to the error log.

    Gunicorn configures only its own loggers; without a root handler the app's warnings
    would be dropped. Workers are forked after this runs, so they inherit it.
    """
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
        datefmt="[%Y-%m-%d %H:%M:%S %z]",
    )
