"""Helpers shared by every blueprint's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm

from ringtonic.extensions import db
from ringtonic.services.errors import ServiceError


def attach_error(form: FlaskForm, error: ServiceError, fallback_field: str | None = None) -> bool:
    """Show a service error next to its field; return False when no field could take it."""
    name = error.field or fallback_field
    field = getattr(form, name, None) if name else None
    if field is None:
        return False
    field.errors = [*field.errors, error.message]
    return True


def undo_and_attach_error(
    form: FlaskForm, error: ServiceError, fallback_field: str | None = None
) -> bool:
    """Roll back the failed unit of work, then show the error next to its field (attach_error)."""
    db.session.rollback()
    return attach_error(form, error, fallback_field)
