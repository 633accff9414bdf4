"""Forms of Settings → API Keys."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired

ACCESS_CHOICES = [SelectChoice("read", "Read only"), SelectChoice("read_write", "Read and write")]
ACCESS_LABELS = {choice.value: choice.label for choice in ACCESS_CHOICES}


def new_submission_id() -> str:
    """Return a random id that tells a resubmitted create form from a new one."""
    return secrets.token_urlsafe(16)


class ApiKeyForm(FlaskForm):
    """Create an API key."""

    name = StringField(
        "Name",
        validators=[InputRequired("Enter a name for the key, like “SEO Utils Integration”.")],
        description="Say which tool will use it. Up to 100 characters.",
    )
    access = RadioField(
        "Access",
        choices=ACCESS_CHOICES,
        default="read",
        validate_choice=False,  # the service validates, with the same message as everywhere
    )
    submission = HiddenField(default=new_submission_id)


class RevokeApiKeyForm(FlaskForm):
    """Confirm revoking a key; the CSRF token is its only field."""
