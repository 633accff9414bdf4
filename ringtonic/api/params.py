"""Strict query-string parsing for the API: unknown or bad parameters answer 400 by name.

One rule for every parameter: a value is given or the parameter is left out. An empty or
blank value (`cursor=`, `time_zone=%20`) is refused with 400 `validation_error` naming the
parameter, never read as "absent": the document's `minLength`/`format` say so, and a
client that sends `start_date=` meant some date, not "all time".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import overload

from flask import request

from ringtonic.api.errors import ApiProblem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_CONTROL_RE = re.compile(r"[\x00-\x1f]")


def _invalid(name: str, message: str) -> ApiProblem:
    return ApiProblem("validation_error", message, field=name)


class QueryParams:
    """The request's query parameters, checked against the names an endpoint accepts."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = allowed if isinstance(allowed, frozenset) else frozenset(allowed)
        # Taken once: every `request.args` goes through Flask's context-local proxy.
        self.args = args = request.args
        for name in args:
            if name not in self.allowed:
                known = ", ".join(sorted(self.allowed)) or "none"
                raise _invalid(name, f"Unknown query parameter {name!r}. Accepted: {known}.")
            values = args.getlist(name)
            if len(values) > 1:
                raise _invalid(name, f"Query parameter {name!r} may be given only once.")
            if not values[0].strip():
                raise _invalid(
                    name, f"{name} is empty: give it a value, or leave the parameter out."
                )

    def text(self, name: str, max_length: int = 200) -> str | None:
        """Return a parameter's value, None when absent (blank ones were refused)."""
        # Taken as sent, as the document's maxLength and formats read it: no trimming.
        value = self.args.get(name)
        if value is None:
            return None
        if len(value) > max_length or _CONTROL_RE.search(value):
            raise _invalid(name, f"{name} must be at most {max_length} printable characters.")
        return value

    @overload
    def choice(self, name: str, choices: Iterable[str], default: str) -> str: ...
    @overload
    def choice(self, name: str, choices: Iterable[str], default: None = None) -> str | None: ...
    def choice(self, name: str, choices: Iterable[str], default: str | None = None) -> str | None:
        """Return a parameter that must be one of `choices`."""
        value = self.text(name)
        if value is None:
            return default
        options = tuple(choices)
        if value not in options:
            raise _invalid(name, f"{name} must be one of: {', '.join(options)}.")
        return value

    def integer(
        self, name: str, minimum: int, maximum: int, default: int | None = None
    ) -> int | None:
        """Return a whole-number parameter within [minimum, maximum]."""
        value = self.text(name, max_length=20)
        if value is None:
            return default
        if not value.lstrip("-").isdigit() or not value.isascii():
            raise _invalid(name, f"{name} must be a whole number.")
        number = int(value)
        if not minimum <= number <= maximum:
            raise _invalid(name, f"{name} must be between {minimum} and {maximum}.")
        return number

    def boolean(self, name: str) -> bool | None:
        """Return true/false (also 1/0), None when absent."""
        value = self.text(name, max_length=5)
        if value is None:
            return None
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise _invalid(name, f"{name} must be true or false.")

    def uuid(self, name: str) -> uuid.UUID | None:
        """Return a uuid parameter (a filter naming an object), None when absent."""
        value = self.text(name, max_length=64)
        if value is None:
            return None
        # Only the canonical 8-4-4-4-12 spelling: uuid.UUID also takes braces, urn: and bare hex.
        if not _UUID_RE.fullmatch(value):
            raise _invalid(name, f"{name} must be a uuid like {uuid.UUID(int=0)}.")
        return uuid.UUID(value)

    def limit(self) -> int:
        """Return the page size: `limit`, 1–200, default 50."""
        limit = self.integer("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)
        assert limit is not None  # the default stands in when the parameter is absent
        return limit
