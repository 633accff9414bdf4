"""Gunicorn settings shared by `make run`, benchmarks and deployments."""

import logging
import os
import sys

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
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
