"""Forms of Settings → Alerts and Settings → Recordings."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice

from ringtonic.services.alerts.delivery import SPIKE_THRESHOLD
from ringtonic.services.recordings.retention import RETENTION_LABELS


class AlertChoicesForm(FlaskForm):
    """The e-mail alerts one user wants from the current workspace."""

    missed_call = BooleanField("Missed calls (nobody answered, or the line was busy)")
    voicemail = BooleanField("Voicemails, with the transcript when there is one")
    first_time_caller = BooleanField("First-time callers")
    blocked_spike = BooleanField(
        f"Spikes of blocked calls ({SPIKE_THRESHOLD} or more refused in an hour)"
    )


class RetentionForm(FlaskForm):
    """How long the workspace keeps call recordings."""

    retention = RadioField(
        "Keep recordings for",
        choices=[SelectChoice(value, label) for value, label in RETENTION_LABELS.items()],
        validate_choice=False,  # the service validates, so the message is the same everywhere
        description="Older recordings are deleted from storage by the periodic job.",
    )
