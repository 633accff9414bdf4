"""What makes two pieces of text the same name, and which characters show nothing on a page.

A leaf module (no app imports): the models derive their stored comparison keys from it and
the services clean what people type and what Twilio sends with it.
"""

from __future__ import annotations

import hashlib
import unicodedata

# Categories that draw nothing by themselves: format characters (zero-width spaces and
# joiners, direction marks, embeddings, overrides and isolates, soft hyphens, tags),
# separators, controls, and combining marks with no letter to sit on.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc", "Mn", "Me"})
# Letters and symbols that render as blank space although Unicode calls them letters:
# the Hangul fillers and the blank Braille pattern, favourites for "empty" names.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Default-ignorable characters that are not in category Cf: variation selectors, the
# combining grapheme joiner and the Mongolian free variation selectors.
_IGNORABLE_MARKS = frozenset(
    ["\u034f", "\u180b", "\u180c", "\u180d", "\u180f"] + [chr(c) for c in range(0xFE00, 0xFE10)]
)


def is_invisible(char: str) -> bool:
    """Return whether the character shows nothing when it stands on its own."""
    return (
        char in _BLANK_LOOKING
        or char in _IGNORABLE_MARKS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


def has_visible_character(text: str) -> bool:
    """Return whether anything in the text would show on a page."""
    return any(not is_invisible(char) for char in text)


def has_surrogate(text: str) -> bool:
    """Return whether the text holds a lone surrogate (no character; not encodable as UTF-8)."""
    return any("\ud800" <= char <= "\udfff" for char in text)


def comparison_form(text: str) -> str:
    """Return the form names compare in: NFKC, case folded, ignorable characters dropped.

    "Ärzte Köln", "ÄRZTE KÖLN", "A\u0308rzte Ko\u0308ln" (decomposed), "Ａｒｚｔｅ" (fullwidth) and
    a copy with a zero-width space inside are each one name. The folding is Python's
    (full Unicode case folding: "Straße" is "STRASSE"), not SQLite's ASCII-only lower().
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    kept = "".join(
        char
        for char in folded
        if char not in _IGNORABLE_MARKS and unicodedata.category(char) != "Cf"
    )
    return " ".join(kept.split())


def name_key(text: str) -> str:
    """Return the stored key of a name: the SHA-256 (hex) of its comparison form.

    A digest, not the form itself: NFKC can make one character eighteen, and a fixed
    64 characters always fit the column and its unique index.
    """
    return hashlib.sha256(comparison_form(text).encode("utf-8")).hexdigest()


def displayable(text: str) -> str:
    """Return provider text fit to store and show: one line, no controls, no direction changes.

    Format characters and controls are dropped, runs of whitespace become one space, and
    text with nothing visible left becomes "".
    """
    # Cf holds the direction marks, embeddings, overrides and isolates; Cs lone surrogates.
    kept = "".join(
        char
        for char in text
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf", "Cs")
    )
    line = " ".join(kept.split())
    return line if has_visible_character(line) else ""
