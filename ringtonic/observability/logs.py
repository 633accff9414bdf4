"""Log lines that carry the request id, as text or as JSON lines (RINGTONIC_LOG_FORMAT).

gunicorn.conf.py hands `gunicorn_logging(...)` to gunicorn, which configures the app's,
gunicorn's error and gunicorn's access loggers in the master before forking workers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

TEXT, JSON = "text", "json"
FORMATS = (TEXT, JSON)
NO_REQUEST = "-"
# gunicorn's access-log atom for the response header the app sets (see request_ids).
ACCESS_REQUEST_ID_ATOM = "{x-request-id}o"
TEXT_FORMAT = (
    "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s [request_id=%(request_id)s]"
)
JSON_FIELDS = "%(asctime)s %(process)d %(levelname)s %(name)s %(request_id)s %(message)s"
DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"
# Path without the query string, and no Referer: neither can then leak a key into the log.
ACCESS_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


class RequestIdFilter(logging.Filter):
    """Give every record a `request_id`: the request being served, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None):
            return True
        args = record.args
        if record.name == "gunicorn.access" and isinstance(args, Mapping):
            # Written after the response, from the header the app set on it.
            record.request_id = args.get(ACCESS_REQUEST_ID_ATOM) or NO_REQUEST
            return True
        from ringtonic.observability.request_ids import current_request_id

        try:
            record.request_id = current_request_id() or NO_REQUEST
        except RuntimeError:  # no application context (a thread outside any request)
            record.request_id = NO_REQUEST
        return True


def log_format(value: str | None) -> str:
    """Return the log format RINGTONIC_LOG_FORMAT names, or raise ValueError."""
    chosen = (value or TEXT).strip().lower()
    if chosen not in FORMATS:
        raise ValueError(f"RINGTONIC_LOG_FORMAT must be text or json, got {value!r}")
    return chosen


def gunicorn_logging(fmt: str) -> dict:
    """Return gunicorn's logconfig_dict: app and error logs to stderr, access log to stdout."""
    if fmt == JSON:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        access_formatter = formatter
    else:
        formatter = {"format": TEXT_FORMAT, "datefmt": DATE_FORMAT}
        access_formatter = {"format": "%(message)s [request_id=%(request_id)s]"}
    handler = {"class": "logging.StreamHandler", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"app": formatter, "access": access_formatter},
        "handlers": {
            "app": {**handler, "formatter": "app", "stream": "ext://sys.stderr"},
            "access": {**handler, "formatter": "access", "stream": "ext://sys.stdout"},
        },
        "root": {"level": "INFO", "handlers": ["app"]},
        "loggers": {
            # Not propagated to the root as well: each line is written once.
            "gunicorn.error": {"level": "INFO", "handlers": ["app"], "propagate": False},
            # Flask-Migrate imports Alembic, which logs a line per built-in plugin at
            # INFO on import: seven lines in every worker's start, none about this app.
            # Its warnings still show; migrations run from the CLI, with Alembic's config.
            "alembic": {"level": "WARNING"},
            "gunicorn.access": {
                "level": "INFO",
                # Before the app's redaction filter (added later, in each worker), so
                # the request id is read from the atoms before redaction rewrites them.
                "filters": ["request_id"],
                "handlers": ["access"],
                "propagate": False,
            },
        },
    }
