"""The API's contract, served where clients and tools look for it: /api/v1/openapi.json."""

from __future__ import annotations

from flask import current_app, jsonify

from ringtonic.api import bp
from ringtonic.api.auth import public
from ringtonic.api.openapi import build_openapi


def api_server_url() -> str:
    """Return the API's base URL: absolute when the public URL is configured."""
    # Without a configured public URL the Host header is the only hint, and a document
    # others may cache must not echo a forged one: a relative URL resolves correctly.
    return (current_app.config.get("RINGTONIC_PUBLIC_URL") or "") + "/api/v1"


@bp.get("/openapi.json")
@public
def openapi_document():
    """Serve the OpenAPI 3.1 document; no key needed, it describes no one's data."""
    response = jsonify(build_openapi(api_server_url()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
