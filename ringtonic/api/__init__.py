"""The REST API under /api/v1: authenticated by API keys only, JSON only, no cookies, no CSRF."""

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from ringtonic.extensions import csrf
from ringtonic.services.keys.key_cache import DEFAULT_SIZE, VerifiedKeys

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Requests carry a Bearer key, not a browser cookie, so there is nothing for CSRF to protect.
csrf.exempt(bp)


from ringtonic.api import (  # noqa: E402,F401
    auth,
    bodies,
    calls,
    compression,
    contract,
    errors,
    negotiation,
    rate_limits,
    recordings,
    reports,
    resources,
    sessions,
    usage,
    views,
)

errors.register_problem_handlers(bp)
bp.before_request(bodies.refuse_oversized_bodies)
bp.before_request(auth.reject_keys_in_query)
# Authenticates the key, holds unknown keys to the failed-authentication limit and
# charges the quota (one step: a key verified before is confirmed by the charge itself).
bp.before_request(auth.authenticate_request)
bp.before_request(negotiation.refuse_unacceptable_formats)
# First registered, so it runs last (Flask runs them in reverse): it compresses the final body.
bp.after_request(compression.compress_api_answer)
bp.after_request(usage.record_last_use_after_response)
bp.after_request(rate_limits.add_rate_limit_headers)
# Registered after, so it runs before: the headers then describe a deferred charge too.
bp.after_request(rate_limits.charge_deferred_request)
bp.after_request(rate_limits.count_failed_authentication)


@bp.record_once
def _install_app_wide_parts(state: BlueprintSetupState) -> None:
    """Give the app cookie-free sessions under /api/ and its own verified-key cache."""
    app = cast(Flask, state.app)  # the sans-IO base class has no sessions; ours is a Flask
    app.session_interface = sessions.CookielessApiSessionInterface()
    size = app.config.get("RINGTONIC_API_KEY_CACHE_SIZE", DEFAULT_SIZE)
    app.extensions[auth.KEY_CACHE] = VerifiedKeys(size)
