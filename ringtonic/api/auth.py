"""Authenticating API requests by their Bearer key, and the per-key ability check."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from ringtonic.api.errors import ApiProblem, challenge_for
from ringtonic.problems import REALM_HEADER
from ringtonic.services.keys.api_keys import KEY_PREFIX, authenticate_api_key

# Parameter names clients commonly put keys in; refused even when the value is junk.
QUERY_KEY_NAMES = frozenset({"api_key", "apikey", "key", "token", "access_token"})
# "<scheme> <credentials>", with spaces or tabs around and between (RFC 9110 allows both).
_AUTHORIZATION_RE = re.compile(r"[ \t]*(\S+)(?:[ \t]+(.*?))?[ \t]*", re.DOTALL)


def reject_keys_in_query() -> None:
    """Refuse a request that carries an API key in its query string (400)."""
    for name, value in request.args.items(multi=True):
        if (
            name.strip().lower() in QUERY_KEY_NAMES
            or name.strip().startswith(KEY_PREFIX)
            or value.strip().startswith(KEY_PREFIX)
        ):
            raise ApiProblem("api_key_in_query", "API keys are not accepted in the URL.")


def bearer_credentials(header: str | None) -> str:
    """Return the credentials of a Bearer Authorization header value, or raise ApiProblem."""
    if header is None or not header.strip():
        raise ApiProblem("missing_api_key", "The request has no Authorization header.")
    match = _AUTHORIZATION_RE.fullmatch(header)
    if match is None or match.group(1).lower() != "bearer" or not match.group(2):
        # No Bearer token was sent, so none was invalid: RFC 6750 gives such a request the
        # bare challenge, without error="invalid_token".
        raise ApiProblem(
            "invalid_api_key",
            "The Authorization header must be Bearer followed by the key.",
            headers={"WWW-Authenticate": REALM_HEADER},
        )
    return match.group(2)


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve the view without an API key (documents that hold no one's data)."""
    vars(view)["is_public"] = True  # a function attribute, read with getattr
    return view


def authenticate_request() -> None:
    """Resolve the request's key to its workspace and account, or answer 401/403."""
    # OPTIONS only lists the allowed methods, and CORS preflights never carry credentials.
    if request.method == "OPTIONS":
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "is_public", False):
        return
    credentials = bearer_credentials(request.headers.get("Authorization"))
    access = authenticate_api_key(credentials)
    g.api_key = access.api_key
    g.workspace = access.workspace
    g.account = access.account


def requires_ability(ability: str) -> Callable[..., Any]:
    """Refuse the view (403 insufficient_ability) to keys not granted `ability`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not g.api_key.can(ability):
                raise ApiProblem(
                    "insufficient_ability",
                    f"This API key does not have {ability} access.",
                    headers={"WWW-Authenticate": challenge_for("insufficient_ability", ability)},
                )
            return view(*args, **kwargs)

        vars(wrapper)["required_ability"] = ability  # says what the view needs
        return wrapper

    return decorator
