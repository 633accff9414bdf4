"""Views of the documentation pages."""

from __future__ import annotations

from flask import current_app, make_response, render_template, request

from ringtonic.api import versioning
from ringtonic.api.errors import PROBLEMS
from ringtonic.api.openapi import build_openapi
from ringtonic.docs import bp, webhook_examples
from ringtonic.docs.reference import api_reference, inline_code, rate_limit_headers
from ringtonic.urls import public_url

# What the curl lines say for this server's address when it is not known for sure.
ADDRESS_VARIABLE = "$RINGTONIC_URL"


def _addresses() -> tuple[str, str, bool]:
    """Return (base of links, base of curl lines, whether the request's host was used).

    The Host header is whatever the client sent: a page that printed it would send
    readers' keys to a forged host. Only RINGTONIC_PUBLIC_URL, or a host that a declared
    proxy (RINGTONIC_TRUSTED_PROXIES) reported, is written into the page.
    """
    public = public_url()
    if public:
        return public, public, False
    if int(current_app.config.get("RINGTONIC_TRUSTED_PROXIES") or 0):
        base = request.url_root.rstrip("/")
        return base, base, True
    return request.script_root, ADDRESS_VARIABLE, False


@bp.get("/api")
def api():
    """Show the API reference, rendered from the OpenAPI document, with guides around it."""
    link_base, curl_base, from_request = _addresses()
    document = build_openapi(server_url=link_base + "/api/v1")
    response = make_response(
        render_template(
            "docs/api.html",
            base_url=link_base,
            curl_base=curl_base,
            address_variable=ADDRESS_VARIABLE if curl_base == ADDRESS_VARIABLE else None,
            problems=PROBLEMS,
            document=document,
            sections=api_reference(document, curl_base),
            rate_headers=rate_limit_headers(document),
            webhook_examples=webhook_examples,
            policy=[inline_code(text) for text in versioning.POLICY],
            changelog=[
                (change.version, change.released, [inline_code(t) for t in change.changes])
                for change in versioning.CHANGELOG
            ],
            deprecations=versioning.DEPRECATIONS,
        )
    )
    if from_request:
        # Built from the forwarded host: no shared cache may hand it to another host's readers.
        response.headers["Cache-Control"] = "private, max-age=300"
        response.vary.update(("Host", "X-Forwarded-Host"))
    return response
