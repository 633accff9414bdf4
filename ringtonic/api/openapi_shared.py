"""Answers every operation can get: from the HTTP server before the app sees the request,
an oversized body, and another method on the path. Shared as components/responses."""

from __future__ import annotations

from typing import Any

from ringtonic.api.openapi_schemas import ref

# gunicorn.conf.py's defaults (GUNICORN_LIMIT_REQUEST_*): a test keeps the two in step.
REQUEST_LINE_LIMIT = 8190
REQUEST_FIELD_SIZE_LIMIT = 8190
REQUEST_FIELDS_LIMIT = 100

_SERVER_HTML = {"text/html": {"schema": {"type": "string"}}}
SERVER_BAD_REQUEST = (
    " Or, from the HTTP server before the API sees the request, a request that is not "
    "valid HTTP (a malformed request line or header): a short `text/html` page."
)


def _problem(code: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response = {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": ref("Problem"),
                "examples": {code: {"$ref": f"#/components/examples/{code}"}},
            }
        },
    }
    if headers:
        response["headers"] = headers
    return response


IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "The `ETag` of the answer you hold. Unchanged since: 304 with no body, not counted "
        "against the key's quota."
    ),
}
NOT_MODIFIED = {
    "description": (
        "Not modified: the `If-None-Match` ETag is current; keep using the answer you hold. "
        "No body, and not counted against the key's quota."
    ),
    "headers": {
        "ETag": {"$ref": "#/components/headers/ETag"},
        "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
    },
}
CONDITIONAL_HEADERS = {
    "ETag": {
        "schema": {"type": "string", "pattern": r'^W/"[0-9a-f]+"$'},
        "description": (
            "A weak validator of this JSON answer (this path and query, as this key sees "
            "it). Send it back as `If-None-Match` to poll cheaply."
        ),
    },
    "Cache-Control": {
        "schema": {"type": "string", "enum": ["private, no-cache", "no-store"]},
        "description": (
            "`private, no-cache` on JSON answers: keep them only in the client's own cache "
            "and revalidate before use; shared caches never store them. `no-store` on "
            "answers that are not revalidated (a CSV download)."
        ),
    },
}

RESPONSES = {
    "NotModified": NOT_MODIFIED,
    "MethodNotAllowed": _problem(
        "method_not_allowed",
        "`method_not_allowed`: the path exists but does not take this method; `Allow` lists "
        "the methods it takes.",
        {"Allow": {"$ref": "#/components/headers/Allow"}},
    ),
    "PayloadTooLarge": _problem(
        "payload_too_large",
        "`payload_too_large`: the request declared a body of more than 64 KiB "
        "(`Content-Length`); refused before it is read, on any operation.",
    ),
    "UriTooLong": {
        "description": (
            "From the HTTP server, before the API sees the request: the request line (method, "
            f"path and query string) is longer than {REQUEST_LINE_LIMIT} bytes. A short "
            "`text/html` page; shorten the query (fewer or shorter filters)."
        ),
        "content": _SERVER_HTML,
    },
    "RequestHeaderFieldsTooLarge": {
        "description": (
            "From the HTTP server, before the API sees the request: a header line is longer "
            f"than {REQUEST_FIELD_SIZE_LIMIT} bytes, or there are more than "
            f"{REQUEST_FIELDS_LIMIT} header fields. A short `text/html` page."
        ),
        "content": _SERVER_HTML,
    },
}
_STATUSES = {
    "MethodNotAllowed": "405",
    "PayloadTooLarge": "413",
    "UriTooLong": "414",
    "RequestHeaderFieldsTooLarge": "431",
}


def shared_responses() -> dict[str, Any]:
    """Return the status → $ref entries every operation's responses include."""
    return {
        status: {"$ref": f"#/components/responses/{name}"} for name, status in _STATUSES.items()
    }


def with_server_answers(responses: dict[str, Any]) -> dict[str, Any]:
    """Add the HTTP server's own answers to an operation's responses, in status order."""
    bad_request = responses["400"]
    bad_request["description"] += SERVER_BAD_REQUEST
    bad_request["content"].update(_SERVER_HTML)
    merged = {**responses, **shared_responses()}
    return {status: merged[status] for status in sorted(merged)}
