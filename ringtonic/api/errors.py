"""The API's error codes, what a client should do about each, and their problem+json answers."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response

from ringtonic.problems import bearer_challenge, problem_response
from ringtonic.services.errors import (
    InvalidApiKey,
    InvalidFields,
    NotFound,
    PlanRequired,
    RevokedApiKey,
    ServiceError,
    ValidationError,
)


@dataclass(frozen=True)
class ProblemKind:
    """One stable error `code`: its HTTP status, title, and what the client should do."""

    status: int
    title: str
    advice: str


# The one catalogue of codes: responses and the /docs/api page both read it.
PROBLEMS: dict[str, ProblemKind] = {
    "missing_api_key": ProblemKind(
        401,
        "API key missing",
        "Send your key in the header Authorization: Bearer <key>. "
        "Create keys in Settings → API Keys.",
    ),
    "invalid_api_key": ProblemKind(
        401,
        "API key not valid",
        "Send the whole key, exactly as shown when it was created (it starts with ringtonic_), "
        "as Authorization: Bearer <key>. If the key is lost, create a new one.",
    ),
    "revoked_api_key": ProblemKind(
        401,
        "API key revoked",
        "Revoked keys never work again. Create a new key in Settings → API Keys "
        "and put it in your integration.",
    ),
    "plan_required": ProblemKind(
        403,
        "Agency plan required",
        "Plans are switched in Settings → Plan; existing keys then work again.",
    ),
    "insufficient_ability": ProblemKind(
        403,
        "Key is read-only",
        "This request changes data. Create a key with Read and write access for it.",
    ),
    "api_key_in_query": ProblemKind(
        400,
        "API key in the URL",
        "Send the key in the Authorization header, never in the URL. URLs end up in logs and "
        "browser history: revoke this key and create a new one.",
    ),
    "not_found": ProblemKind(
        404,
        "Not found",
        "Check the id in the URL. Objects of other workspaces are not found either.",
    ),
    "validation_error": ProblemKind(
        400,
        "Invalid request",
        "Correct the parameters or body fields named in the errors member of the answer, "
        "then send the request again.",
    ),
    "method_not_allowed": ProblemKind(
        405,
        "Method not allowed",
        "Use one of the methods the Allow header lists for this path.",
    ),
    "not_acceptable": ProblemKind(
        406,
        "Format not available",
        "Accept application/json (GET /calls can also answer text/csv).",
    ),
    "payload_too_large": ProblemKind(
        413,
        "Body too large",
        "Send a smaller body: only the fields you change.",
    ),
    "unsupported_media_type": ProblemKind(
        415,
        "Body is not JSON",
        "Send the body as JSON with the header Content-Type: application/json.",
    ),
    "rate_limited": ProblemKind(
        429,
        "Too many requests",
        "Wait the number of seconds in the Retry-After header, then try again. "
        "Spread requests out: the RateLimit headers on every answer show what is left.",
    ),
}

# RFC 6750 section 3.1: the error a Bearer challenge names for a token that was sent and
# refused. A request with no Bearer token at all gets the bare challenge (no error).
CHALLENGE_ERRORS = {
    "invalid_api_key": "invalid_token",
    "revoked_api_key": "invalid_token",
    "insufficient_ability": "insufficient_scope",
}


def challenge_for(code: str, scope: str | None = None) -> str:
    """Return the WWW-Authenticate challenge that goes with the problem `code`."""
    error = CHALLENGE_ERRORS.get(code)
    return bearer_challenge(error, PROBLEMS[code].title if error else None, scope)


_SERVICE_ERROR_CODES: dict[type[ServiceError], str] = {
    InvalidApiKey: "invalid_api_key",
    RevokedApiKey: "revoked_api_key",
    PlanRequired: "plan_required",
    NotFound: "not_found",
    ValidationError: "validation_error",
}


class ApiProblem(Exception):
    """Raised in the API layer to answer with the problem `code` (see PROBLEMS)."""

    def __init__(
        self,
        code: str,
        message: str = "",
        field: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        PROBLEMS[code]  # an unknown code is a bug: fail where it is raised
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers


def problem_for(
    code: str,
    message: str = "",
    field: str | None = None,
    *,
    errors: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Answer with the catalogued problem `code`; the detail says what went wrong and what to do.

    A problem about input names the first bad field in `field` and every bad field, each
    with its own message, in `errors`.
    """
    kind = PROBLEMS[code]
    detail = f"{message} {kind.advice}" if message else kind.advice
    if kind.status == 401 or code in CHALLENGE_ERRORS:
        headers = {"WWW-Authenticate": challenge_for(code), **(headers or {})}
    if errors is None and field:
        errors = [(field, message)]
    extra = None
    if errors:
        extra = {
            "field": errors[0][0],
            "errors": [{"field": name, "message": text} for name, text in errors],
        }
    return problem_response(kind.status, code, kind.title, detail, headers=headers, extra=extra)


def handle_api_problem(error: ApiProblem) -> Response:
    """Answer an ApiProblem raised by a hook or view."""
    return problem_for(error.code, error.message, error.field, headers=error.headers)


def handle_service_error(error: ServiceError) -> Response:
    """Answer a domain error from a service with its API code."""
    code = next(c for cls, c in _SERVICE_ERROR_CODES.items() if isinstance(error, cls))
    field = error.field if isinstance(error, ValidationError) else None
    errors = error.errors if isinstance(error, InvalidFields) else None
    return problem_for(code, error.message, field, errors=errors)


def register_problem_handlers(blueprint: Blueprint) -> None:
    """Make the blueprint answer ApiProblem and the mapped domain errors as problem+json."""
    blueprint.register_error_handler(ApiProblem, handle_api_problem)
    for error_class in _SERVICE_ERROR_CODES:
        blueprint.register_error_handler(error_class, handle_service_error)
