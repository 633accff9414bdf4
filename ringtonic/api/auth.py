"""Authenticating API requests by their Bearer key, and the per-key ability check."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request

from ringtonic.api.conditional import charge_is_deferred
from ringtonic.api.errors import ApiProblem, challenge_for
from ringtonic.api.pending_keys import PendingKey, defer_confirmation
from ringtonic.api.rate_limits import (
    charge_request_to_key,
    refuse_clients_failing_authentication,
    refuse_used_up_quota,
)
from ringtonic.problems import REALM_HEADER
from ringtonic.services.keys.api_keys import (
    KEY_LENGTH,
    KEY_PREFIX,
    authenticate_api_key,
    key_digest,
)
from ringtonic.services.keys.generations import GENERATION_BY_ACCOUNT, key_generation
from ringtonic.services.keys.key_cache import VerifiedKey, VerifiedKeys

KEY_CACHE = "ringtonic.api.verified_keys"

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


def verified_keys_of(app: Flask) -> VerifiedKeys:
    """Return the keys this process verified (per app, so each test app starts empty)."""
    cache: VerifiedKeys = app.extensions[KEY_CACHE]
    return cache


def _cache_digest(credentials: str) -> str | None:
    """Return the digest a verified key of this text would be held under, or None."""
    if len(credentials) != KEY_LENGTH or not credentials.isascii():
        return None
    return key_digest(credentials)


def authenticate_request() -> None:
    """Resolve the request's key to its workspace and account and charge its quota.

    Answers 401/403 for a key that is missing, unknown, revoked or on the wrong plan, and
    429 for an address over its failed-authentication limit or a key over its quota. A
    key this process verified before is taken from memory and confirmed by its account's
    key generation (read in the quota charge's own statement when the counters are in
    the database) before the view runs. Every other request (no key, a malformed or an
    unknown one) is first held to the failed-authentication limit of its address, so
    guessing is as slow as ever while a known key pays nothing for that limit.
    """
    # OPTIONS only lists the allowed methods, and CORS preflights never carry credentials.
    if request.method == "OPTIONS":
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "is_public", False):
        return
    try:
        credentials = bearer_credentials(request.headers.get("Authorization"))
    except ApiProblem:
        refuse_clients_failing_authentication()
        raise
    digest = _cache_digest(credentials)
    verified = verified_keys_of(current_app).get(digest) if digest else None
    unconfirmed = verified
    if verified is None:
        refuse_clients_failing_authentication()
        verified = _verify(credentials, digest)
    _act_as(verified, digest)
    account_id = verified.access.account.id
    charge = charge_request_to_key(
        (GENERATION_BY_ACCOUNT, {"generation_account_id": account_id}) if unconfirmed else None
    )
    if unconfirmed is not None:
        generation = charge.alongside if charge is not None else None
        if generation is None and charge_is_deferred():
            # A revalidation: the view reads the generation with its version (one read).
            reread = functools.partial(_reread, credentials, digest)
            defer_confirmation(PendingKey(account_id, unconfirmed.generation, reread))
            return
        if generation is None:
            generation = key_generation(account_id)
        if generation != unconfirmed.generation:
            _reread(credentials, digest)
    refuse_used_up_quota(charge)


def _reread(credentials: str, digest: str | None) -> None:
    """Read a cached key again: it, its workspace or its account changed since."""
    verified_keys_of(current_app).discard(digest or "")
    _act_as(_verify(credentials, digest), digest)


def _verify(credentials: str, digest: str | None) -> VerifiedKey:
    """Read the key from the database, and hold it in this process once it is good."""
    access, generation = authenticate_api_key(credentials, digest)
    verified = VerifiedKey(access, generation)
    if digest is not None:
        verified_keys_of(current_app).put(digest, verified)
    return verified


def _act_as(verified: VerifiedKey, digest: str | None) -> None:
    g.api_key = verified.access.api_key
    g.workspace = verified.access.workspace
    g.account = verified.access.account
    g.api_key_digest = digest


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
