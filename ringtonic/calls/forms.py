"""Forms of the calls pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SearchField, SelectChoice, SelectField, StringField
from wtforms.widgets import DateInput

from ringtonic.models import Campaign, PhoneNumber
from ringtonic.services.calls.pages import PAGE_SIZES, PERIODS
from ringtonic.services.calls.stats import STATUS_FILTERS, status_filter_label
from ringtonic.services.telephony.phones import format_for_display


class CallFilterForm(FlaskForm):
    """The calls log filters; sent by GET, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField("Search", description="A caller number in any format, a city or a zip code.")
    period = SelectField(
        "Dates",
        choices=[SelectChoice(value, label) for value, label in PERIODS.items()],
        validate_choice=False,
    )
    start_date = StringField("From", widget=DateInput())
    end_date = StringField("To", widget=DateInput())
    campaign = SelectField("Campaign", validate_choice=False)
    number = SelectField("Tracking number", validate_choice=False)
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(status, status_filter_label(status)) for status in STATUS_FILTERS],
        validate_choice=False,
    )
    source = StringField("Source")
    medium = StringField("Medium")
    first_time = BooleanField("First-time callers only")
    per_page = SelectField(
        "Per page",
        choices=[SelectChoice(str(size), str(size)) for size in PAGE_SIZES],
        default="50",
        validate_choice=False,
    )
    # The order chosen by the column headers survives filtering.
    sort = HiddenField()
    dir = HiddenField()

    def set_choices(self, campaigns: list[Campaign], numbers: list[PhoneNumber]) -> None:
        """Offer the workspace's campaigns and numbers."""
        self.campaign.choices = [SelectChoice("", "All campaigns")] + [
            SelectChoice(str(c.uuid), c.name + (" (archived)" if c.archived_at else ""))
            for c in campaigns
        ]
        self.number.choices = [SelectChoice("", "All numbers")] + [
            SelectChoice(
                str(n.uuid),
                format_for_display(n.number) + (f" · {n.friendly_name}" if n.friendly_name else ""),
            )
            for n in numbers
        ]


class ImportForm(FlaskForm):
    """Upload a CSV file of calls."""

    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file to import.")],
        render_kw={"accept": ".csv,.tsv,.txt,text/csv"},
    )


class RollbackImportForm(FlaskForm):
    """Confirm rolling an import back; the CSRF token is its only field."""
