"""The API's rate limits: a quota per key, and a per-address limit on failed authentication.

Counted by ringtonic.rate_limits (shared by every worker and host); this module decides
when each is counted and answers 429 as problem+json.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, current_app, g, request

from ringtonic.api.conditional import charge_is_deferred
from ringtonic.api.errors import ApiProblem, handle_api_problem
from ringtonic.rate_limits import API_AUTH_FAILURE, API_KEY, limits_of, rate_limit_headers
from ringtonic.view_helpers.access import client_identity

if TYPE_CHECKING:
    from ringtonic.rate_limits import Charge
    from ringtonic.rate_limits.storage import Alongside


def refuse_clients_failing_authentication() -> None:
    """Answer 429, before looking at the key, to an IP with too many failed authentications."""
    limits = limits_of(current_app)
    if not limits.enabled or request.method == "OPTIONS":
        return
    wait = limits.wait(API_AUTH_FAILURE, client_identity())
    if wait is not None:
        raise ApiProblem(
            "rate_limited",
            "Too many requests from this address failed to authenticate.",
            headers={"Retry-After": str(wait)},
        )


def charge_request_to_key(alongside: Alongside | None = None) -> Charge | None:
    """Count the request against its key's quotas; return the charge, refused or not.

    A revalidation (If-None-Match on a view that answers conditionally) is counted only
    once its answer is known not to be 304: see charge_deferred_request. `alongside` is a
    read to run with the count (RateLimits.charge). The caller answers 429 for a refused
    charge (refuse_used_up_quota) once it has confirmed the key.
    """
    limits = limits_of(current_app)
    api_key = g.get("api_key")
    if not limits.enabled or api_key is None:
        return None
    if charge_is_deferred():
        g.charge_deferred = True
        return None
    charge = limits.charge(API_KEY, str(api_key.uuid), alongside)
    # The headers (Retry-After too, on a refusal) are added to whatever answer follows.
    g.rate_limit_charge = charge
    return charge


def refuse_used_up_quota(charge: Charge | None) -> None:
    """Answer 429 when the charge found the key's quota used up."""
    if charge is not None and not charge.allowed:
        raise ApiProblem("rate_limited", "This API key has used up its requests for now.")


def charge_deferred_request(response: Response) -> Response:
    """Count a deferred request unless it was answered 304; a used-up quota answers 429."""
    if not g.pop("charge_deferred", False) or response.status_code == 304:
        return response
    charge = limits_of(current_app).charge(API_KEY, str(g.api_key.uuid))
    g.rate_limit_charge = charge
    try:
        refuse_used_up_quota(charge)
    except ApiProblem as refused:
        return handle_api_problem(refused)
    return response


def add_rate_limit_headers(response: Response) -> Response:
    """Describe the key's quotas on the response (every response after authentication)."""
    charge = g.get("rate_limit_charge")
    if charge is None:
        return response
    # Added, not set: nothing before this sets them, and setting searches every header.
    add = response.headers.add
    for name, value in rate_limit_headers(charge):
        add(name, value)
    return response


def count_failed_authentication(response: Response) -> Response:
    """Count a 401 against the client's address."""
    limits = limits_of(current_app)
    if response.status_code == 401 and limits.enabled:
        limits.count(API_AUTH_FAILURE, client_identity())
    return response
