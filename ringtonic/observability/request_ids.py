"""A request id on every request: echoed in X-Request-Id, problem bodies and log lines.

A proxy the operator declared (RINGTONIC_TRUSTED_PROXIES) may pass its own id in
X-Request-Id, so one id follows a request from the balancer's log to the app's. Anyone
else's header is ignored: a client must not be able to write what it likes into our logs.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, current_app, g, has_request_context, request

HEADER = "X-Request-Id"
# What a proxy's id may look like: a UUID, HAProxy's %ID formats, a hex trace id...
# Nothing that could break a log line (no spaces, quotes or control characters).
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,127}")


def _from_trusted_proxy() -> str | None:
    """Return the proxy's id, if a declared proxy sent a well-formed one."""
    if not current_app.config.get("RINGTONIC_TRUSTED_PROXIES"):
        return None
    value = request.headers.get(HEADER, "")
    return value if _VALID.fullmatch(value) else None


def _assign() -> None:
    g.request_id = _from_trusted_proxy() or uuid.uuid4().hex


def _echo(response: Response) -> Response:
    request_id = current_request_id()
    if request_id:
        response.headers[HEADER] = request_id
    return response


def current_request_id() -> str | None:
    """Return the id of the request being served, or None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        # A response made before the before_request hooks ran (a malformed request).
        _assign()
    return g.request_id


def init_app(app: Flask) -> None:
    """Assign the id before anything else runs, and echo it on every response."""
    app.before_request_funcs.setdefault(None, []).insert(0, _assign)
    app.after_request(_echo)
