"""Keep secrets that travel in URLs (API keys, invitation tokens) out of request logs."""

from __future__ import annotations

import logging
import re

from ringtonic.services.keys.api_keys import KEY_PREFIX

_KEY_RE = re.compile(re.escape(KEY_PREFIX) + r"[0-9A-Za-z]+")
REDACTED = KEY_PREFIX + "[redacted]"
# An invitation link is its token: whoever reads it from a log could join the team.
# The path at the root of the site (a request line, or after a host), not the admin's
# /settings/team/invitations/<uuid>/revoke, whose uuid is no secret.
INVITATIONS_PATH = "/invitations/"
_INVITATION_RE = re.compile(r"(^|[\s\"'=]|://[^/\s\"']+)/invitations/[^/?#\s\"']+")
REDACTED_INVITATION = r"\1/invitations/[redacted]"
# The dev server's and gunicorn's request loggers: the places a request line is written.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RedactUrlSecrets(logging.Filter):
    """Replace anything shaped like an API key or an invitation token in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report, not ours
            return True
        redacted = message
        if KEY_PREFIX in redacted:
            redacted = _KEY_RE.sub(REDACTED, redacted)
        if INVITATIONS_PATH in redacted:
            redacted = _INVITATION_RE.sub(REDACTED_INVITATION, redacted)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def install() -> None:
    """Add the filter to the request loggers once per process."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactUrlSecrets) for f in logger.filters):
            logger.addFilter(RedactUrlSecrets())
