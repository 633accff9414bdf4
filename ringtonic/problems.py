"""RFC 9457 problem details: the error body of every /api response."""

from __future__ import annotations

from flask import Response, json

from ringtonic.observability.request_ids import current_request_id

PROBLEM_TYPE_BASE = "https://ringtonic.dev/problems/"


def bearer_challenge(
    error: str | None = None, description: str | None = None, scope: str | None = None
) -> str:
    """Return a WWW-Authenticate Bearer challenge (RFC 6750 section 3)."""
    # Every value here is one of ours: ASCII with no quote or backslash, so none needs escaping.
    parts = ['Bearer realm="ringtonic"']
    for name, value in (("error", error), ("error_description", description), ("scope", scope)):
        if value:
            parts.append(f'{name}="{value}"')
    return ", ".join(parts)


# The bare challenge: what a request that sent no Bearer token at all is answered with.
REALM_HEADER = bearer_challenge()


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict | None = None,
) -> Response:
    """Build an application/problem+json response with a stable machine `code`."""
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if extra:
        body.update(extra)
    request_id = current_request_id()
    if request_id:
        # What to quote to the operator, who finds the request's log lines by it.
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = REALM_HEADER
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
