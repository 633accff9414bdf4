"""Webhooks that Twilio calls: no sign-in, no sessions, no CSRF; Twilio's signature instead."""

from flask import Blueprint

from ringtonic.extensions import csrf

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
# Twilio cannot send a CSRF token; every request is authenticated by its signature.
csrf.exempt(bp)

from ringtonic.hooks import flow_views, views  # noqa: E402,F401
