"""Forms of Settings → Webhooks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from ringtonic.models import WEBHOOK_EVENT_TYPES

EVENT_LABELS = {
    "call.started": "call.started: a call comes in",
    "call.completed": "call.completed: a call was answered (or took a voicemail)",
    "call.missed": "call.missed: nobody answered, busy or failed",
    "call.updated": "call.updated: CRM fields or the outcome changed later",
    "call.blocked": "call.blocked: a blocked or spam caller was turned away",
}
GRACE_LABELS = [
    SelectChoice("24", "24 hours (recommended)"),
    SelectChoice("1", "1 hour"),
    SelectChoice("72", "3 days"),
    SelectChoice("0", "No grace period: the old secret stops at once"),
]


class EndpointForm(FlaskForm):
    """Add or change an endpoint."""

    url = StringField(
        "Endpoint URL",
        validators=[InputRequired("Enter the URL that should receive the events.")],
        description="An https:// address of your CRM, Zapier or your own server.",
    )
    description = StringField("Description", description="Optional, up to 200 characters.")
    events = SelectMultipleField(
        "Events",
        choices=[SelectChoice(name, EVENT_LABELS[name]) for name in WEBHOOK_EVENT_TYPES],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,  # the service names the bad value
    )


class RotateSecretForm(FlaskForm):
    """Make a new signing secret."""

    grace_hours = SelectField("Keep the old secret working for", choices=GRACE_LABELS)


class SendTestForm(FlaskForm):
    """Send a test event."""

    event_type = SelectField(
        "Event",
        choices=[SelectChoice(name, name) for name in WEBHOOK_EVENT_TYPES],
        validate_choice=False,
    )


class ReplayFailedForm(FlaskForm):
    """Replay every failed delivery since a time."""

    since = DateTimeLocalField(
        "Failed since (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Enter a date and time.")],
    )


class ConfirmForm(FlaskForm):
    """A button: enable, disable, replay (the CSRF token is its only field)."""
