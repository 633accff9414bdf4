"""Form of Settings → Telephony."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class TelephonyForm(FlaskForm):
    """The workspace's Twilio Account SID and Auth Token."""

    account_sid = StringField(
        "Account SID", description="In the Twilio Console under Account Info; starts with AC."
    )
    auth_token = PasswordField(
        "Auth Token",
        description="Stored encrypted and never shown again. Leave blank to keep the saved one.",
    )
