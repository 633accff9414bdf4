"""Forms of the Campaigns and Numbers pages; the services validate the values."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

CAMPAIGN_TYPE_CHOICES = [
    SelectChoice("static", "Static: one fixed number per listing, ad or flyer"),
    SelectChoice("website", "Website: numbers shown on the client's website"),
]


class CampaignForm(FlaskForm):
    """Create or edit a campaign."""

    name = StringField("Name", description="e.g. Google Business Profile or Spring mailer.")
    type = SelectField(
        "Type",
        choices=CAMPAIGN_TYPE_CHOICES,
        default="static",
        validate_choice=False,  # the service validates, with the same message everywhere
    )


class NumberForm(FlaskForm):
    """Add or edit a tracking number (campaign choices are set by the view)."""

    number = StringField(
        "Tracking number", description="The Twilio number callers dial, e.g. +1 512 555 0147."
    )
    friendly_name = StringField("Friendly name", description="Optional, e.g. GBP listing.")
    forwarding_number = StringField(
        "Forward calls to", description="The business's real line, where calls ring."
    )
    campaign = SelectField("Campaign", choices=[], validate_choice=False)
    source = StringField(
        "Source",
        description="Where this number is published, e.g. Google Business Profile.",
        render_kw={"list": "source-options"},
    )
    medium = StringField(
        "Medium",
        description="The kind of traffic, e.g. organic, cpc, referral, print.",
        render_kw={"list": "medium-options"},
    )


class ConfirmForm(FlaskForm):
    """A button-only form (archive, restore): just the CSRF token."""
