"""The API's contract, served where clients and tools look for it: /api/v1/openapi.json."""

from __future__ import annotations

from flask import jsonify

from ringtonic.api import bp
from ringtonic.api.auth import public
from ringtonic.api.openapi import build_openapi
from ringtonic.urls import api_root_url


@bp.get("/openapi.json")
@public
def openapi_document():
    """Serve the OpenAPI 3.1 document; no key needed, it describes no one's data."""
    response = jsonify(build_openapi(api_root_url()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
