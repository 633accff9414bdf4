"""Forms of the app shell."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired
from wtforms.widgets import DateInput

from ringtonic.models import Campaign
from ringtonic.services.calls.pages import PERIODS


class SwitchWorkspaceForm(FlaskForm):
    """Choose the current workspace (the select is rendered by the template)."""

    workspace = HiddenField("Workspace", validators=[InputRequired()])


class DashboardFilterForm(FlaskForm):
    """The dashboard's days and campaign; sent by GET, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    period = SelectField(
        "Dates",
        choices=[
            SelectChoice("", "Last 30 days"),
            *(
                SelectChoice(value, label)
                for value, label in PERIODS.items()
                if value not in ("", "30d")
            ),
        ],
        validate_choice=False,
    )
    start_date = StringField("From", widget=DateInput())
    end_date = StringField("To", widget=DateInput())
    campaign = SelectField("Campaign", validate_choice=False)

    def set_campaigns(self, campaigns: list[Campaign]) -> None:
        """Offer the workspace's campaigns."""
        self.campaign.choices = [SelectChoice("", "All campaigns")] + [
            SelectChoice(str(c.uuid), c.name + (" (archived)" if c.archived_at else ""))
            for c in campaigns
        ]
