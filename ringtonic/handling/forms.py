"""Forms of the call-handling pages; the services check the values."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ringtonic.models.handling import BLOCK_REASON_LABELS, WEEKDAYS

WEEKDAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)


class BlockForm(FlaskForm):
    """Add a number to a blocked list."""

    number = StringField("Number", description="Any format, e.g. (512) 555-0199 or +15125550199.")
    reason = SelectField(
        "Reason",
        choices=[SelectChoice(value, label) for value, label in BLOCK_REASON_LABELS.items()],
        default="spam",
        validate_choice=False,
    )
    note = StringField("Note", description="Optional.")


class SpamForm(FlaskForm):
    """Mark or unmark a call as spam."""

    spam = HiddenField()


class ConfirmForm(FlaskForm):
    """A button-only form (remove a blocked number): just the CSRF token."""


class CallFlowForm(FlaskForm):
    """A campaign's call flow."""

    gate_enabled = BooleanField("Ask callers to press 1 before connecting (spam gate)")
    gate_prompt = StringField("What callers hear")
    hours_enabled = BooleanField("Use business hours")
    closed_days = TextAreaField(
        "Closed days", description="Dates like 2026-12-25, separated by commas or lines."
    )
    after_hours_action = SelectField(
        "After hours",
        choices=[
            SelectChoice("voicemail", "Take a voicemail"),
            SelectChoice("forward", "Forward to the after-hours number"),
        ],
        validate_choice=False,
    )
    after_hours_number = StringField("After-hours number")
    whisper_enabled = BooleanField("Whisper the call's source to the business before connecting")
    whisper_text = StringField(
        "Whisper", description="Empty: “Call from” and the call's source or campaign."
    )
    recording_enabled = BooleanField("Record calls (both parties)")
    consent_enabled = BooleanField("Announce the recording to the caller first")
    consent_text = StringField("Recording announcement")
    voicemail_enabled = BooleanField("Take a voicemail when nobody answers or the line is busy")
    voicemail_greeting = TextAreaField("Voicemail greeting")


for _day, _name in WEEKDAY_NAMES.items():
    setattr(
        CallFlowForm,
        f"hours_{_day}",
        StringField(
            _name, description="e.g. 09:00-17:00 or 09:00-12:00, 13:00-17:00; empty: closed."
        ),
    )
