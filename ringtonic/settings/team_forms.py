"""Forms of Settings → Team."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from ringtonic.models import ROLES

ROLE_CHOICES = [SelectChoice(role, role.title()) for role in ROLES]


class InviteForm(FlaskForm):
    """Invite an email address to the team with a role."""

    email = EmailField("Email", validators=[InputRequired("Enter the teammate's email address.")])
    role = SelectField(
        "Role",
        choices=ROLE_CHOICES,
        default="member",
        validate_choice=False,  # the service checks the role and names the choices
    )


class RoleForm(FlaskForm):
    """Give a teammate another role."""

    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)


class RemoveMemberForm(FlaskForm):
    """Remove a teammate, and by default revoke the API keys they created."""

    revoke_keys = BooleanField("Revoke the API keys this person created", default=True)


class RevokeInvitationForm(FlaskForm):
    """An empty form: its CSRF token makes revoking an invitation a safe POST."""
