"""Sign-in sessions (Flask-Login) and the HTTP security headers every response carries."""

from __future__ import annotations

import uuid

from flask import Flask, Response, abort, current_app, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ringtonic.extensions import db, login_manager
from ringtonic.models import User
from ringtonic.services.accounts.sign_ins import (
    close_sign_in,
    current_sign_in,
    forget_expired_sign_ins,
    note_activity,
    open_sign_in,
)

# The session cookie's key for this browser's server-side sign-in token.
SIGN_IN_KEY = "sign_in"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# One year, this host only: other hosts of the operator's domain may not serve HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the user a session cookie names, if its token is still current."""
    user_uuid, _, token = session_id.partition(":")
    try:
        wanted = uuid.UUID(user_uuid)
    except ValueError:
        return None
    user = db.session.scalar(
        select(User).options(joinedload(User.account)).where(User.uuid == wanted)
    )
    if user is None or not token or user.session_token != token:
        return None
    if user.removed_at is not None:
        return None
    config = current_app.config
    sign_in = current_sign_in(
        user.id,
        session.get(SIGN_IN_KEY),
        config["RINGTONIC_SESSION_IDLE_TIMEOUT"],
        config["PERMANENT_SESSION_LIFETIME"],
    )
    if sign_in is None:
        # Signed out, expired or never recorded: a copied cookie is worth nothing.
        return None
    note_activity(sign_in)
    return user


def begin_sign_in(user: User) -> None:
    """Sign `user` in on this browser: a server-side record and the cookie pointing at it.

    Keeps the session's other values (the chosen workspace); callers that need a fresh
    session clear it first. The caller commits.
    """
    config = current_app.config
    forget_expired_sign_ins(
        user, config["RINGTONIC_SESSION_IDLE_TIMEOUT"], config["PERMANENT_SESSION_LIFETIME"]
    )
    session[SIGN_IN_KEY] = open_sign_in(user)
    login_user(user)
    session.permanent = True


def end_sign_in() -> None:
    """Sign this browser out and delete its server-side record; the caller commits."""
    close_sign_in(session.get(SIGN_IN_KEY))
    logout_user()
    session.clear()


# Added to every response that does not set its own; names lower-cased once, to compare.
_SECURITY_HEADERS = tuple(
    (name.lower(), name, value)
    for name, value in (
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    )
)


def _set_security_headers(response: Response) -> Response:
    headers = response.headers
    # One pass over the headers already set, not one per header as setdefault would make
    # (an API answer carries a dozen, compared case-insensitively each time).
    present = {name.lower() for name, _value in headers.items()}
    for lowered, name, value in _SECURITY_HEADERS:
        if lowered not in present:
            headers.add(name, value)
    # HTTPS as the operator declared it (secure cookies) or as a trusted proxy reported it
    # (ProxyFix, per RINGTONIC_TRUSTED_PROXIES, set the scheme); never a client's own header.
    if (
        current_app.config.get("SESSION_COOKIE_SECURE") or request.is_secure
    ) and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    # Neither static files nor the API nor the tracker (no cookie session there) have a
    # signed-in user; asking Flask-Login would cost every such request a lookup for nothing.
    if request.endpoint == "static" or request.blueprint in ("api", "website"):
        return response
    if current_user and current_user.is_authenticated:
        # Pages with account data must not linger in shared or back-button caches.
        headers["Cache-Control"] = "no-store"
    return response


# Bodies a browser form can send. Flask-WTF would also read JSON into a form, handing
# the services lists, numbers and objects where they expect text.
FORM_MIMETYPES = frozenset({"", "application/x-www-form-urlencoded", "multipart/form-data"})
# Blueprints that read their own bodies: the JSON API, the provider webhooks and the
# website tracker's visits.
OWN_BODY_PREFIXES = ("/api/", "/hooks/", "/t/")


def _refuse_non_form_bodies() -> None:
    """Answer 415 to a page POST whose body is not form data."""
    if request.method != "POST" or request.path.startswith(OWN_BODY_PREFIXES):
        return
    if request.mimetype not in FORM_MIMETYPES:
        abort(415, "Forms must be sent as form data, not " + request.mimetype[:60] + ".")


def init_app(app: Flask) -> None:
    """Configure Flask-Login and add the header hook."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.before_request(_refuse_non_form_bodies)
    app.after_request(_set_security_headers)
