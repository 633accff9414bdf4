"""The Money Map's filter form (a GET form: the page's address is its state)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.widgets import DateInput

from ringtonic.models import Campaign
from ringtonic.services.calls.stats import STATUS_FILTERS, status_filter_label

CIRCLE_LABELS = {"city": "Cities", "zip": "Zip codes"}
SHOW_LABELS = {"callers": "Callers", "visitors": "Website visitors"}


def status_label(status: str) -> str:
    """Return a call status filter for people ("in-progress" → "In progress")."""
    return status_filter_label(status)


class MapFilterForm(FlaskForm):
    """Campaign, dates and status; the service validates every value."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    campaign = SelectField("Campaign", validate_choice=False)
    start_date = StringField("From", widget=DateInput())
    end_date = StringField("To", widget=DateInput())
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Any status"),
            *(SelectChoice(s, status_label(s)) for s in STATUS_FILTERS),
        ],
        validate_choice=False,
    )
    # Chosen by the links above the map and the table; kept across a filter change.
    show = HiddenField()
    circles = HiddenField()
    table = HiddenField()
    sort = HiddenField()
    dir = HiddenField()
    area = HiddenField()

    def set_campaigns(self, campaigns: list[Campaign]) -> None:
        """Offer the workspace's campaigns, archived ones marked."""
        self.campaign.choices = [SelectChoice("", "All campaigns")] + [
            SelectChoice(str(c.uuid), f"{c.name} (archived)" if c.archived_at else c.name)
            for c in campaigns
        ]
