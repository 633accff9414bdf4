"""Reading a JSON request body: its media type, size and syntax checked before a view sees it."""

from __future__ import annotations

from typing import Any

from flask import json, request
from werkzeug.exceptions import RequestEntityTooLarge

from ringtonic.api.errors import ApiProblem
from ringtonic.text import has_surrogate

MAX_BODY_BYTES = 64 * 1024
JSON = "application/json"
# RFC 7396: a JSON object whose members replace the target's, null removing one.
MERGE_PATCH = "application/merge-patch+json"


def refuse_oversized_bodies() -> None:
    """Answer 413, before anything else, to a request declaring a body over the API's limit.

    On every operation, not only those that read a body: a client sending megabytes to a
    GET learns so at once, as problem+json, instead of the body being drained unread.
    """
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise ApiProblem("payload_too_large", f"The body may be at most {MAX_BODY_BYTES:,} bytes.")


def json_object_body(
    media_types: tuple[str, ...] = (JSON,), max_bytes: int = MAX_BODY_BYTES
) -> dict[str, Any]:
    """Return the body's JSON object, or answer 415, 413 or 400."""
    if request.mimetype not in media_types:
        raise ApiProblem(
            "unsupported_media_type",
            f"The body was sent as {request.mimetype or 'nothing'!r}; "
            f"send it as {' or '.join(media_types)}.",
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
    _check_text(body)
    return body


def _text_fault(text: str) -> str | None:
    if has_surrogate(text):
        return "holds a lone surrogate (an unpaired \\ud800-\\udfff escape), which is no character"
    if "\x00" in text:
        return "holds a NUL character (\\u0000)"
    return None


def _check_text(body: dict[str, Any]) -> None:
    """Refuse strings no database or JSON encoder takes, naming the top-level field.

    JSON may escape a lone surrogate ("\\ud800") or NUL; Python decodes both, and they
    would only fail when stored or sent back, as a server error.
    """
    for name, value in body.items():
        fault = _text_fault(name)
        if fault:
            raise ApiProblem("validation_error", f"A field name {fault}.", field="body")
        # Iterative: a body nested as deep as the parser allows must not overflow here.
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                texts = [item]
            elif isinstance(item, dict):
                texts = list(item)
                pending.extend(item.values())
            else:
                texts = []
                if isinstance(item, list):
                    pending.extend(item)
            for text in texts:
                fault = _text_fault(text)
                if fault:
                    raise ApiProblem("validation_error", f"{name} {fault}.", field=name)
