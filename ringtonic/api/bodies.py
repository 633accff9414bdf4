"""Reading a JSON request body: its media type, size and syntax checked before a view sees it."""

from __future__ import annotations

from flask import json, request
from werkzeug.exceptions import RequestEntityTooLarge

from ringtonic.api.errors import ApiProblem

MAX_BODY_BYTES = 64 * 1024


def json_object_body(max_bytes: int = MAX_BODY_BYTES) -> dict:
    """Return the body's JSON object, or answer 415, 413 or 400."""
    if request.mimetype != "application/json":
        raise ApiProblem(
            "unsupported_media_type",
            f"The body was sent as {request.mimetype or 'nothing'!r}.",
        )
    # Refuse big bodies by their declared length, and cut off undeclared ones while reading.
    request.max_content_length = max_bytes
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise ApiProblem(
            "payload_too_large", f"The body may be at most {max_bytes:,} bytes."
        ) from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiProblem("validation_error", "The body is not valid JSON.", field="body") from None
    if not isinstance(body, dict):
        raise ApiProblem("validation_error", "The body must be a JSON object.", field="body")
    return body
