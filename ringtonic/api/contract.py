"""The API's contract, served where clients and tools look for it: /api/v1/openapi.json.

Deprecations declared in ringtonic.api.versioning are announced on every answer of the
operations they affect.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from ringtonic.api import bp, versioning
from ringtonic.api.auth import public
from ringtonic.api.openapi import build_openapi
from ringtonic.urls import api_root_url

_RULE_VARIABLE = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


@bp.get("/openapi.json")
@public
def openapi_document() -> ResponseReturnValue:
    """Serve the OpenAPI 3.1 document; no key needed, it describes no one's data."""
    response = jsonify(build_openapi(api_root_url()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@functools.lru_cache(maxsize=4)
def _deprecated_routes(
    deprecations: tuple[Any, ...],
) -> dict[tuple[str, str], versioning.Deprecation]:
    """Return (method, documented path) → the deprecation its answers announce."""
    document = build_openapi()
    affected = versioning.deprecations_by_operation(document, deprecations)
    return {
        (method.upper(), path): affected[operation["operationId"]]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if operation["operationId"] in affected
    }


@bp.after_request
def announce_deprecations(response: Response) -> Response:
    """Add Deprecation (RFC 9745), Link and Sunset to answers of deprecated operations."""
    if not versioning.DEPRECATIONS or request.url_rule is None or response.status_code >= 400:
        return response
    path = _RULE_VARIABLE.sub(r"{\1}", request.url_rule.rule)[len(bp.url_prefix or "") :]
    method = "GET" if request.method == "HEAD" else request.method
    entry = _deprecated_routes(versioning.DEPRECATIONS).get((method, path))
    return response if entry is None else versioning.announce_deprecation(response, entry)
