"""The REST API under /api/v1: authenticated by API keys only, JSON only, no cookies, no CSRF."""

from flask import Blueprint

from ringtonic.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Requests carry a Bearer key, not a browser cookie, so there is nothing for CSRF to protect.
csrf.exempt(bp)

from ringtonic.api import (  # noqa: E402,F401
    auth,
    contract,
    errors,
    log_redaction,
    reports,
    sessions,
    usage,
    views,
)

errors.register_problem_handlers(bp)
bp.before_request(auth.reject_keys_in_query)
bp.before_request(auth.authenticate_request)
bp.after_request(usage.record_last_use_after_response)


@bp.record_once
def _install_app_wide_parts(state) -> None:
    """Give the app cookie-free sessions under /api/ and key redaction in request logs."""
    state.app.session_interface = sessions.CookielessApiSessionInterface()
    log_redaction.install()
