"""Keep API keys out of request logs, whatever log format an operator configures."""

from __future__ import annotations

import logging
import re

from ringtonic.services.api_keys import KEY_PREFIX

_KEY_RE = re.compile(re.escape(KEY_PREFIX) + r"[0-9A-Za-z]+")
REDACTED = KEY_PREFIX + "[redacted]"
# The dev server's and gunicorn's request loggers: the places a request line is written.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RedactApiKeys(logging.Filter):
    """Replace anything shaped like an API key in a log record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report, not ours
            return True
        if KEY_PREFIX in message:
            record.msg = _KEY_RE.sub(REDACTED, message)
            record.args = None
        return True


def install() -> None:
    """Add the filter to the request loggers once per process."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactApiKeys) for f in logger.filters):
            logger.addFilter(RedactApiKeys())
