"""Strict query-string parsing for the API: unknown or bad parameters answer 400 by name."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from flask import request

from ringtonic.api.errors import ApiProblem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}


def _invalid(name: str, message: str) -> ApiProblem:
    return ApiProblem("validation_error", message, field=name)


class QueryParams:
    """The request's query parameters, checked against the names an endpoint accepts."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = frozenset(allowed)
        for name in request.args:
            if name not in self.allowed:
                known = ", ".join(sorted(self.allowed)) or "none"
                raise _invalid(name, f"Unknown query parameter {name!r}. Accepted: {known}.")
            if len(request.args.getlist(name)) > 1:
                raise _invalid(name, f"Query parameter {name!r} may be given only once.")

    def text(self, name: str, max_length: int = 200) -> str | None:
        """Return a parameter's stripped value, None when absent or empty."""
        raw = request.args.get(name)
        if raw is None or not raw.strip():
            return None
        value = raw.strip()
        if len(value) > max_length or any(ord(ch) < 32 for ch in value):
            raise _invalid(name, f"{name} must be at most {max_length} printable characters.")
        return value

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
        try:
            return uuid.UUID(value)
        except ValueError:
            raise _invalid(name, f"{name} must be a uuid.") from None

    def limit(self) -> int:
        """Return the page size: `limit`, 1–200, default 50."""
        return self.integer("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)
