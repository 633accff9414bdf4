"""Opt-in CORS for /api/v1, so browser dashboards on the origins an operator lists can call it.

Only the origins in RINGTONIC_API_CORS_ORIGINS, only /api/v1, and never with credentials:
the API takes a Bearer key, which a page sends itself; cookies and HTTP auth are not part
of it, so no answer carries Access-Control-Allow-Credentials.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, current_app, request

from ringtonic.config import cors_origins
from ringtonic.extensions import cors

# Request headers a page may send besides the CORS-safelisted ones.
ALLOWED_HEADERS = ("Authorization", "Content-Type")
# Response headers a page may read besides the safelisted ones: paging, quotas, errors.
EXPOSED_HEADERS = (
    "Link",
    "Retry-After",
    "RateLimit-Policy",
    "RateLimit",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "WWW-Authenticate",
    "Content-Disposition",
)
# How long a browser may reuse a preflight answer (browsers cap it at 2 hours or less).
PREFLIGHT_MAX_AGE = 3600
API_PREFIX = "/api/v1/"
_VARIABLE = re.compile(r"<[^>]+>")


def _api_resources(app: Flask) -> dict[str | re.Pattern[str], dict[str, Any]]:
    """Map each /api/v1 path (as an anchored pattern) to the methods routed for it."""
    methods_by_path: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX):
            methods_by_path.setdefault(rule.rule, set()).update(rule.methods or ())
    resources: dict[str | re.Pattern[str], dict[str, Any]] = {}
    for path, methods in methods_by_path.items():
        pieces = _VARIABLE.split(path)
        pattern = "[^/]+".join(re.escape(piece) for piece in pieces)
        resources[f"^{pattern}$"] = {"methods": sorted(methods)}
    return resources


def _vary_on_origin(response: Response) -> Response:
    """Say that API answers depend on Origin, so no cache hands one origin's answer to another."""
    # Flask-Cors adds Vary: Origin only when several origins are listed; with one, the
    # answer still differs between that origin and any other.
    if request.path.startswith(API_PREFIX) and current_app.config["RINGTONIC_API_CORS_ORIGINS"]:
        response.vary.add("Origin")
    return response


def init_app(app: Flask) -> None:
    """Answer CORS requests and preflights under /api/v1 when origins are configured."""
    origins = app.config.get("RINGTONIC_API_CORS_ORIGINS") or ()
    if isinstance(origins, str):
        # Set directly (not from the environment): read it as the variable would be.
        origins = cors_origins(origins)
    if not origins:
        return
    cors.init_app(
        app,
        resources=_api_resources(app),
        # Compiled, so Flask-Cors matches each exactly (it would read "[::1]" as a regex).
        origins=[re.compile(re.escape(origin) + r"\Z", re.IGNORECASE) for origin in origins],
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        supports_credentials=False,
        max_age=PREFLIGHT_MAX_AGE,
        # Without an Origin header a request is not a CORS one: no Access-Control-* at all.
        always_send=False,
        # Every answer passes through after_request, errors included.
        intercept_exceptions=False,
    )
    app.after_request(_vary_on_origin)
