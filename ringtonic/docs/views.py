"""Views of the documentation pages."""

from __future__ import annotations

from flask import current_app, render_template, request

from ringtonic.api.errors import PROBLEMS
from ringtonic.api.openapi import build_openapi
from ringtonic.docs import bp
from ringtonic.docs.reference import api_reference, rate_limit_headers


def _base_url() -> str:
    return current_app.config.get("RINGTONIC_PUBLIC_URL") or request.host_url.rstrip("/")


@bp.get("/api")
def api():
    """Show the API reference, rendered from the OpenAPI document, with guides around it."""
    base_url = _base_url()
    document = build_openapi(server_url=base_url + "/api/v1")
    return render_template(
        "docs/api.html",
        base_url=base_url,
        problems=PROBLEMS,
        document=document,
        sections=api_reference(document),
        rate_headers=rate_limit_headers(document),
    )
