"""API endpoints about the caller itself."""

from __future__ import annotations

from flask import Response, g, jsonify
from flask.typing import ResponseReturnValue

from ringtonic.api import bp
from ringtonic.api.params import QueryParams
from ringtonic.api.serializers import me_document


@bp.after_request
def forbid_caching(response: Response) -> Response:
    """Keep workspace data out of shared caches."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/me")
def me() -> ResponseReturnValue:
    """Describe the workspace, account and key the request authenticates as."""
    QueryParams(())
    return jsonify(me_document(g.api_key, g.workspace, g.account))
