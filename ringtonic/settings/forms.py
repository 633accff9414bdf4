"""Forms of the Settings pages."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired

from ringtonic.services.accounts.workspaces import DEFAULT_TIME_ZONE, time_zone_names


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


class ChangePasswordForm(FlaskForm):
    """Change the signed-in user's password."""

    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a new password.")],
        description="At least 10 characters.",
    )


class WorkspaceForm(FlaskForm):
    """Create or edit a workspace."""

    name = StringField("Name", validators=[InputRequired("Enter a workspace name.")])
    time_zone = SelectField(
        "Time zone",
        choices=_zone_choices,
        default=DEFAULT_TIME_ZONE,
        validate_choice=False,  # the service validates, so the message matches the API's
        description="Call times and daily charts use this zone.",
    )


class PlanForm(FlaskForm):
    """Switch the account's plan."""

    plan = HiddenField("Plan", validators=[InputRequired()])
    # Set only by the confirmation page that lists what the Indie plan stops.
    confirmed = HiddenField("Confirmed")
