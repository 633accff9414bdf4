"""Error pages: HTML for people, problem+json under /api/."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ringtonic.extensions import db, login_manager
from ringtonic.problems import problem_response
from ringtonic.rate_limits import RateLimited, rate_limit_headers

# The logger operators already filter on (the module moved; the name stays).
log = logging.getLogger("ringtonic.web.errors")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

_MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have permission to see this page.",
    404: "The page you asked for does not exist, or you do not have access to it.",
    405: "This address does not accept that kind of request.",
    413: "What you sent is larger than this server accepts.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The database cannot be reached just now. Nothing was saved; try again in a minute.",
}
# How long clients should wait before retrying when the database is unreachable.
RETRY_AFTER_SECONDS = 30


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, title: str, message: str, headers=None):
    if _is_api_request():
        return problem_response(
            status, _CODES.get(status, "error"), title, message, headers=headers
        )
    page = render_template("errors/error.html", status=status, title=title, message=message)
    return page, status, headers or {}


def handle_http_exception(error: HTTPException):
    """Render any HTTP error in the house style."""
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    message = _MESSAGES.get(status, error.description or "")
    headers: dict[str, str] = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if isinstance(error, RateLimited):
        message = error.description or message
        headers.update(rate_limit_headers(error.charge))
    return _render(status, error.name, message, headers)


def handle_csrf_error(error: CSRFError):
    """Explain a missing or stale CSRF token (400)."""
    message = (
        "This form has expired or was not sent from Ring Tonic. "
        "Go back, reload the page and try again."
    )
    return _render(400, "Form expired", message)


def handle_unexpected(error: Exception):
    """Log the failure, undo the transaction and show a plain 500."""
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, HTTPException) or isinstance(original, InternalServerError):
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    db.session.rollback()
    return _render(500, "Server error", _MESSAGES[500])


def handle_database_unavailable(error: SQLAlchemyError):
    """Answer 503 when the database cannot be reached; the transaction never committed."""
    log.error(
        "database unavailable on %s %s: %s",
        request.method,
        request.path,
        getattr(error, "orig", None) or error,
    )
    try:
        db.session.rollback()
    except SQLAlchemyError:
        # The connection is gone; the pool discards it, and the server rolled back already.
        log.debug("rollback after a lost database connection failed", exc_info=True)
    # The page must render without the database: treat the visitor as signed out for it
    # (Flask-Login would otherwise try to load the user, and the shell their workspaces).
    g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return _render(503, "Service unavailable", _MESSAGES[503], headers)


def init_app(app: Flask) -> None:
    """Register the handlers on the app."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    # Lost or refused connections (and a lock that outlasted busy_timeout) are outages,
    # not bugs: 503 with Retry-After tells clients and load balancers to come back.
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
