"""Cursor pagination: opaque cursors, and list answers with their Link to the next page."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

from flask import Response, jsonify, request

from ringtonic.api.errors import ApiProblem
from ringtonic.services.calls.keyset import KeysetPage
from ringtonic.urls import absolute_url_of_request


class _HasUuid(Protocol):
    """An item a cursor can point at: anything with a public uuid."""

    @property
    def uuid(self) -> uuid.UUID: ...


PublicItem = TypeVar("PublicItem", bound=_HasUuid)

# Sixteen uuid bytes are 22 base64url characters; anything much longer is not ours.
CURSOR_MAX_LENGTH = 64


def encode_cursor(public_id: uuid.UUID) -> str:
    """Return the cursor that continues a list after the item with this uuid."""
    return base64.urlsafe_b64encode(public_id.bytes).rstrip(b"=").decode("ascii")


def decode_cursor(raw: str | None) -> uuid.UUID | None:
    """Return the uuid a cursor continues after (None for the first page), or answer 400."""
    if raw is None:
        return None
    problem = ApiProblem(
        "validation_error",
        "cursor is not valid: pass the next_cursor of the previous page unchanged.",
        field="cursor",
    )
    if len(raw) > CURSOR_MAX_LENGTH or not raw.isascii():
        raise problem
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except binascii.Error:
        raise problem from None
    # Only the canonical spelling of 16 bytes: a cursor is either ours or refused.
    if len(data) != 16 or encode_cursor(uuid.UUID(bytes=data)) != raw:
        raise problem
    return uuid.UUID(bytes=data)


def next_page_url(cursor: str) -> str:
    """Return this request's public URL with `cursor` replaced, every other parameter kept."""
    params = [(name, value) for name, value in request.args.items(multi=True) if name != "cursor"]
    params.append(("cursor", cursor))
    return absolute_url_of_request(urlencode(params))


def page_response(
    page: KeysetPage[PublicItem], serialize: Callable[[PublicItem], dict[str, Any]]
) -> Response:
    """Answer `{"data": [...], "next_cursor": ...}` with a Link header when more follow."""
    last = page.last
    next_cursor = encode_cursor(last.uuid) if page.has_more and last is not None else None
    response = jsonify(
        {"data": [serialize(item) for item in page.items], "next_cursor": next_cursor}
    )
    if next_cursor is not None:
        response.headers["Link"] = f'<{next_page_url(next_cursor)}>; rel="next"'
    return response
