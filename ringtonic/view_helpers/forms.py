"""Helpers shared by every blueprint's forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ringtonic.extensions import db
from ringtonic.services.errors import ServiceError

T = TypeVar("T")


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


def submit_form(
    form: FlaskForm,
    save: Callable[[], T],
    page: Callable[[int], ResponseReturnValue],
    done: Callable[[T], ResponseReturnValue],
    error_field: str | None = None,
) -> ResponseReturnValue:
    """Validate the form, save, commit and answer done(result).

    An invalid form, or a service error (rolled back and shown next to its field, else
    `error_field`), re-renders the page with 400.
    """
    if not form.validate_on_submit():
        return page(400)
    try:
        result = save()
    except ServiceError as error:
        undo_and_attach_error(form, error, error_field)
        return page(400)
    db.session.commit()
    return done(result)


def saved(message: str, location: str, code: int = 302) -> Response:
    """Flash a success message and redirect to where the saved thing is shown."""
    flash(message, "success")
    return redirect(location, code)
