"""The one rule for short text people type: names, labels and the like."""

from __future__ import annotations

import re
import unicodedata

from ringtonic.services.errors import ValidationError
from ringtonic.text import has_surrogate, has_visible_character, name_key

__all__ = ["clean_label", "clean_name", "file_slug", "name_key"]


def clean_label(raw: str | None, *, field: str, label: str, max_length: int) -> str:
    """Return the text with runs of whitespace made one space; raise ValidationError if bad.

    Empty is allowed here (optional fields); `clean_name` is for text that must be given.
    """
    text = " ".join((raw or "").split())
    if len(text) > max_length:
        raise ValidationError(f"{label} must be at most {max_length} characters.", field)
    # NUL and friends: PostgreSQL refuses NUL outright, and none belongs in a name.
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise ValidationError(f"{label} cannot contain control characters.", field)
    if has_surrogate(text):
        raise ValidationError(f"{label} is not valid text (it holds a lone surrogate).", field)
    # Zero-width spaces, direction marks, Hangul fillers...: a name nobody can see or tell apart.
    if text and not has_visible_character(text):
        raise ValidationError(
            f"{label} must contain a visible letter, digit or symbol, "
            "not only invisible or direction-changing characters.",
            field,
        )
    return text


def clean_name(raw: str | None, *, field: str, label: str, max_length: int, missing: str) -> str:
    """Like `clean_label`, and the text must not be empty (`missing` says what to enter)."""
    text = clean_label(raw, field=field, label=label, max_length=max_length)
    if not text:
        raise ValidationError(missing, field)
    return text


def file_slug(name: str, max_length: int = 40) -> str:
    """Return `name` as lower-case ASCII words joined by hyphens, for file names."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "workspace"
