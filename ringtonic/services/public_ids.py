"""Public ids (UUIDs) as URLs and forms carry them."""

from __future__ import annotations

import uuid

from ringtonic.services.errors import NotFound


def parse_public_id(raw: str | uuid.UUID, message: str) -> uuid.UUID:
    """Return the UUID a URL or form names, or raise NotFound (junk looks like missing)."""
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFound(message) from None
