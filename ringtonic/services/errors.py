"""Domain exceptions raised by services and translated by the blueprints."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every domain error; `message` is safe to show to the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(ServiceError):
    """An input value is unacceptable; `field` names it."""


class Conflict(ServiceError):
    """The change clashes with existing data (a taken email, a duplicate name)."""


class NotFound(ServiceError):
    """The object does not exist in the caller's scope."""


class PermissionDenied(ServiceError):
    """The caller's role does not allow the action."""


class PlanRequired(ServiceError):
    """The action needs the Agency plan."""


class InvalidCredentials(ServiceError):
    """Email or password is wrong; deliberately says not which."""


class InvalidApiKey(ServiceError):
    """The API key is malformed, fails its checksum or matches no key."""


class RevokedApiKey(ServiceError):
    """The API key was revoked; it never works again."""


class InvalidFields(ValidationError):
    """Several input values are unacceptable; `errors` lists (field, message) for each."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        field, message = errors[0]
        if len(errors) > 1:
            names = ", ".join(name for name, _ in errors)
            message = f"{len(errors)} fields are not valid: {names}."
        super().__init__(message, field)
        self.errors = list(errors)
