"""Forms of the calls pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import DateInput

from ringtonic.models import LEAD_STATUSES, Call, Campaign, PhoneNumber
from ringtonic.services.calls.pages import PAGE_SIZES, PERIODS
from ringtonic.services.calls.stats import CALL_LIST_STATUS_FILTERS, status_filter_label
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
        + [
            SelectChoice(status, status_filter_label(status))
            for status in CALL_LIST_STATUS_FILTERS
        ],
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


class LeadForm(FlaskForm):
    """A call's lead fields, checked by the same rules as the API's PATCH."""

    lead_status = SelectField(
        "Lead status",
        choices=[SelectChoice("", "No status")]
        + [SelectChoice(status, status.capitalize()) for status in LEAD_STATUSES],
        validate_choice=False,
    )
    value = StringField("Value", description="An amount like 250.00; empty clears it.")
    tags = StringField("Tags", description="Separated by commas.")
    note = TextAreaField("Note")

    def fill_from(self, call: Call) -> None:
        """Show the call's current values (on a GET)."""
        self.lead_status.data = call.lead_status or ""
        self.value.data = "" if call.value is None else f"{call.value:.2f}"
        self.tags.data = ", ".join(call.tags or [])
        self.note.data = call.note or ""

    def changes(self) -> dict:
        """Return the fields as the CRM service takes them: empty means cleared."""
        value = (self.value.data or "").strip()
        return {
            "lead_status": self.lead_status.data or None,
            "value": value or None,
            "tags": [tag for tag in (self.tags.data or "").split(",") if tag.strip()],
            "note": self.note.data or "",
        }
