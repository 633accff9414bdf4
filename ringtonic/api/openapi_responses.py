"""Responses of the API's operations: success bodies, and problems from the one catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ringtonic.api.errors import PROBLEMS
from ringtonic.api.openapi_examples import EXAMPLES
from ringtonic.api.openapi_schemas import ref
from ringtonic.api.openapi_shared import CONDITIONAL_HEADERS, IF_NONE_MATCH, with_server_answers
from ringtonic.problems import PROBLEM_TYPE_BASE, REALM_HEADER

# Codes only some operations can answer; every other catalogued code can come from any.
AUTH_CODES = ("missing_api_key", "invalid_api_key", "revoked_api_key", "plan_required")
CODES_FOR_IDS = ("not_found",)
CODES_FOR_WRITES = ("insufficient_ability",)
CODES_FOR_BODIES = ("unsupported_media_type",)
CODES_FOR_PARAMETERS = ("validation_error",)
# Another method on a documented path: one shared response, MethodNotAllowed.
CODES_NEVER_DOCUMENTED = ("method_not_allowed",)
# Answered on any operation, documented once as a shared response (openapi_shared).
CODES_SHARED = ("method_not_allowed", "payload_too_large")
_SPECIFIC = {
    *CODES_SHARED,
    *CODES_FOR_IDS,
    *CODES_FOR_WRITES,
    *CODES_FOR_BODIES,
    *CODES_FOR_PARAMETERS,
    *CODES_NEVER_DOCUMENTED,
}

# What an example problem of a code says before the catalogue's advice, and the field named.
_EXAMPLE_MESSAGES = {
    "validation_error": (
        "start_date must be a date like 2026-01-31 or an ISO 8601 date-time.",
        "start_date",
    ),
    "not_found": ("Campaign not found.", None),
}

_RATE_HEADER_NAMES = (
    "RateLimit-Policy",
    "RateLimit",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)
HEADERS = {
    **CONDITIONAL_HEADERS,
    "RateLimit-Policy": {
        "schema": {"type": "string"},
        "description": "The key's quota: requests allowed per window, and the window in seconds.",
    },
    "RateLimit": {
        "schema": {"type": "string"},
        "description": "Requests left in the current window, and seconds until it resets.",
    },
    "X-RateLimit-Limit": {
        "schema": {"type": "string"},
        "description": "Requests allowed in the current window.",
    },
    "X-RateLimit-Remaining": {
        "schema": {"type": "string"},
        "description": "Requests left in the current window.",
    },
    "X-RateLimit-Reset": {
        "schema": {"type": "string"},
        "description": "Unix time the window resets.",
    },
    "WWW-Authenticate": {
        "required": True,
        "schema": {
            "type": "string",
            "pattern": (
                r'^Bearer realm="ringtonic"'
                r'(, error="invalid_token", error_description="[ !#-\[\]-~]*")?$'
            ),
        },
        "description": (
            "The scheme to authenticate with (RFC 6750 section 3). Without a Bearer token "
            f"(`missing_api_key`, or another scheme) it is just `{REALM_HEADER}`; for a key "
            'that was sent and refused (`invalid_api_key`, `revoked_api_key`) it adds `error="'
            'invalid_token"` and an `error_description`.'
        ),
    },
    "WWW-Authenticate-insufficient-scope": {
        "schema": {
            "type": "string",
            "pattern": (
                r'^Bearer realm="ringtonic", error="insufficient_scope", '
                r'error_description="[ !#-\[\]-~]*", scope="[a-z_]+"$'
            ),
        },
        "description": (
            'Sent with `insufficient_ability`: `error="insufficient_scope"` and the ability '
            'the request needs in `scope` (`scope="write"`), per RFC 6750 section 3.1.'
        ),
    },
    "Allow": {
        "required": True,
        "schema": {"type": "string"},
        "description": "The methods this path takes, comma separated (e.g. `GET, HEAD, OPTIONS`).",
    },
    "Link": {
        "schema": {"type": "string", "pattern": r'^<[^>]+>; rel="next"$'},
        "description": (
            'The next page (RFC 8288): `<url>; rel="next"`, the same URL with `cursor` '
            "set to `next_cursor`. Absent on the last page."
        ),
    },
    "Retry-After": {
        "required": True,
        "schema": {"type": "string", "pattern": r"^\d+$"},
        "description": "Seconds to wait before the next request.",
    },
}
_STATUS_HEADER_NAMES = {401: ("WWW-Authenticate",), 429: ("Retry-After",)}
# Headers sent with one code only, documented where that code can be answered:
# (header name, component name).
_CODE_HEADERS = {
    **CONDITIONAL_HEADERS,
    "insufficient_ability": ("WWW-Authenticate", "WWW-Authenticate-insufficient-scope"),
}


def _headers(names: Iterable[str]) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _problem_headers(status: int, codes: list[str]) -> dict[str, Any]:
    headers = _headers((*_RATE_HEADER_NAMES, *_STATUS_HEADER_NAMES.get(status, ())))
    for code in codes:
        if code in _CODE_HEADERS:
            name, component = _CODE_HEADERS[code]
            headers[name] = {"$ref": f"#/components/headers/{component}"}
    return headers


RATE_HEADERS = _headers(_RATE_HEADER_NAMES)


def example_problem(code: str) -> dict[str, Any]:
    """Return the body the API answers a problem `code` with, as an example."""
    kind = PROBLEMS[code]
    message, field = _EXAMPLE_MESSAGES.get(code, ("", None))
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": kind.title,
        "status": kind.status,
        "detail": f"{message} {kind.advice}" if message else kind.advice,
        "code": code,
    }
    if field:
        body["field"] = field
    return body


def problem_responses(codes: list[str]) -> dict[str, Any]:
    """Group problem codes by status: one response per status, one example per code."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(PROBLEMS[code].status, []).append(code)
    responses = {}
    for status in sorted(by_status):
        listed = by_status[status]
        responses[str(status)] = {
            "description": "; ".join(f"`{c}`: {PROBLEMS[c].title}" for c in listed) + ".",
            "headers": _problem_headers(status, listed),
            "content": {
                "application/problem+json": {
                    "schema": ref("Problem"),
                    "examples": {c: {"$ref": f"#/components/examples/{c}"} for c in listed},
                }
            },
        }
    return responses


def operation_codes(
    *,
    public: bool = False,
    ids: bool = False,
    write: bool = False,
    body: bool = False,
    parameters: bool = False,
) -> list[str]:
    """Return the catalogued problem codes an operation can answer."""
    wanted = {code for code in PROBLEMS if code not in _SPECIFIC}
    if public:
        wanted -= set(AUTH_CODES)
    for flag, codes in (
        (ids, CODES_FOR_IDS),
        (write, CODES_FOR_WRITES),
        (body, CODES_FOR_BODIES),
        (parameters or body, CODES_FOR_PARAMETERS),
    ):
        if flag:
            # Documented only once the catalogue holds the code, i.e. once the API answers it.
            wanted.update(code for code in codes if code in PROBLEMS)
    return [code for code in PROBLEMS if code in wanted]


def _conditional_headers() -> dict[str, Any]:
    return _headers(("ETag", "Cache-Control"))


def ok(schema_name: str, description: str) -> dict[str, Any]:
    """Describe a 200 JSON answer with its schema and example."""
    headers = RATE_HEADERS
    if schema_name.endswith("List"):
        headers = {**headers, **_headers(("Link",))}
    return {
        "description": description,
        "headers": headers,
        "content": {
            "application/json": {
                "schema": ref(schema_name),
                "examples": {"default": {"value": EXAMPLES[schema_name]}},
            }
        },
    }


def operation(
    op_id: str,
    tag: str,
    summary: str,
    description: str,
    params: list[Any],
    success: dict[str, Any],
    *,
    write: bool = False,
    body: dict[str, Any] | None = None,
    conditional: bool = False,
) -> dict[str, Any]:
    """Describe one operation; its error answers follow from its parameters and flags."""
    ids = any(p["in"] == "path" for p in params)
    codes = operation_codes(ids=ids, write=write, body=body is not None, parameters=bool(params))
    if conditional:
        params = [*params, IF_NONE_MATCH]
        success = {**success, "headers": {**success["headers"], **_conditional_headers()}}
    responses = with_server_answers({"200": success, **problem_responses(codes)})
    if conditional:
        responses["304"] = {"$ref": "#/components/responses/NotModified"}
        responses = dict(sorted(responses.items()))
    described: dict[str, object] = {
        "operationId": op_id,
        "tags": [tag],
        "summary": summary,
        "description": description,
        "parameters": params,
        "responses": responses,
    }
    if body is not None:
        described["requestBody"] = body
    return described
