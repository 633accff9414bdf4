"""Reading a workspace's calls: filters, keyset-paginated lists, one call, CSV export rows."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import joinedload

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber, VisitorSession, Workspace
from ringtonic.services.calls.import_fields import VISIT_COLUMNS
from ringtonic.services.calls.keyset import KeysetPage, newest_first_page
from ringtonic.services.calls.stats import CALL_LIST_STATUS_FILTERS, statuses_of
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.public_ids import parse_public_id
from ringtonic.services.reporting.periods import parse_bounds
from ringtonic.services.telephony.phones import caller_number_or_blank

Ts = TypeVarTuple("Ts")

PAGE_SIZE = 50
EXPORT_BATCH = 500
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999
# "y" is what the filter form's checkbox sends; the others are what people type in URLs.
_TRUE = {"1", "on", "true", "yes", "y"}
_FALSE = {"", "0", "off", "false", "no", "n"}
SEARCH_MAX = 100
SOURCE_MAX = 100
FULL_NUMBER_DIGITS = 10
PARTIAL_NUMBER_DIGITS = 3
_PHONE_TYPED = re.compile(r"[0-9 ()+.\-]+")
_ZIP_TYPED = re.compile(r"[0-9]{3,5}(-[0-9]{4})?")


@dataclass(frozen=True)
class CallFilters:
    """Which of a workspace's calls to show; dates are local days in the workspace's zone."""

    start_date: date | None = None
    end_date: date | None = None
    campaign: Campaign | None = None
    number: PhoneNumber | None = None
    status: str | None = None
    # True: first-time callers only; False: repeat callers only; None: everyone.
    first_time: bool | None = None
    min_duration: int | None = None
    caller_state: str | None = None
    # Where the call came from, as stored on it (a website visit's, or the number's own).
    source: str | None = None
    medium: str | None = None
    # A caller number in any format, a city or a zip code, as typed.
    search: str | None = None
    # The UTC instants the local dates begin and end at: [since, until).
    since: datetime | None = field(default=None, compare=False)
    until: datetime | None = field(default=None, compare=False)

    def to_query(self) -> dict[str, str]:
        """Return the filters as query-string values, for links that keep them."""
        values = {
            "start_date": self.start_date.isoformat() if self.start_date else "",
            "end_date": self.end_date.isoformat() if self.end_date else "",
            "campaign": str(self.campaign.uuid) if self.campaign else "",
            "number": str(self.number.uuid) if self.number else "",
            "status": self.status or "",
            "first_time": "1" if self.first_time else "",
            "source": self.source or "",
            "medium": self.medium or "",
            "q": self.search or "",
        }
        return {name: value for name, value in values.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.to_query())


def _parse_date(raw: str, field_name: str) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise ValidationError("Enter a date like 2024-03-31.", field_name) from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            f"Enter a date between {EARLIEST_YEAR} and {LATEST_YEAR}.", field_name
        )
    return value


def _short_text(raw: str, field_name: str, limit: int) -> str | None:
    text = " ".join((raw or "").split())
    if len(text) > limit:
        raise ValidationError(f"Enter at most {limit} characters.", field_name)
    return text or None


def search_clause(text: str) -> ColumnElement[bool]:
    """Match a caller number in any format, or a city or zip code, to what was typed."""
    digits = re.sub(r"[^0-9]", "", text)
    if _PHONE_TYPED.fullmatch(text) and len(digits) >= FULL_NUMBER_DIGITS:
        whole = caller_number_or_blank(text)
        if whole:
            # A whole number: the (workspace, caller) index finds its calls directly.
            return Call.caller_number == whole
    clauses = [func.lower(Call.caller_city).startswith(text.lower(), autoescape=True)]
    if _PHONE_TYPED.fullmatch(text) and len(digits) >= PARTIAL_NUMBER_DIGITS:
        clauses.append(Call.caller_number.contains(digits, autoescape=True))
    if _ZIP_TYPED.fullmatch(text):
        clauses.append(Call.caller_zip.startswith(text[:5], autoescape=True))
    return or_(*clauses)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant a local day starts at (correct on DST change days)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _parse_uuid(raw: str, field_name: str, message: str) -> uuid.UUID | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationError(message, field_name) from None


def _workspace_campaign(
    workspace: Workspace, raw: str | uuid.UUID | None, field_name: str = "campaign"
) -> Campaign | None:
    message = "No such campaign in this workspace."
    wanted = _parse_uuid(str(raw or ""), field_name, message)
    if wanted is None:
        return None
    campaign: Campaign | None = db.session.scalar(
        select(Campaign).where(Campaign.workspace_id == workspace.id, Campaign.uuid == wanted)
    )
    if campaign is None:
        raise ValidationError(message, field_name)
    return campaign


def _workspace_number(
    workspace: Workspace, raw: str | uuid.UUID | None, field_name: str = "number"
) -> PhoneNumber | None:
    message = "No such tracking number in this workspace."
    wanted = _parse_uuid(str(raw or ""), field_name, message)
    if wanted is None:
        return None
    number: PhoneNumber | None = db.session.scalar(
        select(PhoneNumber).where(
            PhoneNumber.workspace_id == workspace.id, PhoneNumber.uuid == wanted
        )
    )
    if number is None:
        raise ValidationError(message, field_name)
    return number


def parse_call_filters(
    workspace: Workspace,
    *,
    start_date: str = "",
    end_date: str = "",
    campaign: str = "",
    number: str = "",
    status: str = "",
    first_time: str = "",
    source: str = "",
    medium: str = "",
    q: str = "",
) -> CallFilters:
    """Check plain filter values against the workspace; raise ValidationError naming the field."""
    start = _parse_date(start_date, "start_date")
    end = _parse_date(end_date, "end_date")
    if start and end and end < start:
        raise ValidationError("The end date must be on or after the start date.", "end_date")
    clean_status = (status or "").strip()
    if clean_status and clean_status not in CALL_LIST_STATUS_FILTERS:
        raise ValidationError("Choose a status from the list.", "status")
    flag = (first_time or "").strip().lower()
    if flag not in _TRUE | _FALSE:
        raise ValidationError("First-time callers must be on or off.", "first_time")
    zone = ZoneInfo(workspace.time_zone)
    return CallFilters(
        start_date=start,
        end_date=end,
        campaign=_workspace_campaign(workspace, campaign),
        number=_workspace_number(workspace, number),
        status=clean_status or None,
        first_time=True if flag in _TRUE else None,
        source=_short_text(source, "source", SOURCE_MAX),
        medium=_short_text(medium, "medium", SOURCE_MAX),
        search=_short_text(q, "q", SEARCH_MAX),
        since=local_midnight(start, zone) if start else None,
        until=local_midnight(end + timedelta(days=1), zone) if end else None,
    )


def build_call_filters(
    workspace: Workspace,
    *,
    campaign: uuid.UUID | None = None,
    tracking_number: uuid.UUID | None = None,
    status: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    time_zone: str | None = None,
    first_time: bool | None = None,
    min_duration: int | None = None,
    state: str | None = None,
    source: str | None = None,
    medium: str | None = None,
) -> CallFilters:
    """Check typed filter values against the workspace; dates may be local days or instants."""
    since, until = parse_bounds(start_date, end_date, time_zone or workspace.time_zone)
    if status is not None and status not in CALL_LIST_STATUS_FILTERS:
        choices = ", ".join(CALL_LIST_STATUS_FILTERS)
        raise ValidationError(f"status must be one of: {choices}.", "status")
    return CallFilters(
        campaign=_workspace_campaign(workspace, campaign),
        number=_workspace_number(workspace, tracking_number, "tracking_number"),
        status=status,
        first_time=first_time,
        min_duration=min_duration,
        caller_state=state,
        source=source.strip() if source else None,
        medium=medium.strip() if medium else None,
        since=since,
        until=until,
    )


def filter_calls(query: Select[*Ts], workspace: Workspace, filters: CallFilters) -> Select[*Ts]:
    """Narrow a query of calls to the workspace's calls that match the filters."""
    query = query.where(Call.workspace_id == workspace.id)
    if filters.since is not None:
        query = query.where(Call.started_at >= filters.since)
    if filters.until is not None:
        query = query.where(Call.started_at < filters.until)
    if filters.campaign is not None:
        query = query.where(Call.campaign_id == filters.campaign.id)
    if filters.number is not None:
        query = query.where(Call.phone_number_id == filters.number.id)
    if filters.status is not None:
        query = query.where(Call.status.in_(statuses_of(filters.status)))
    if filters.first_time is not None:
        query = query.where(Call.first_call.is_(filters.first_time))
    if filters.min_duration is not None:
        query = query.where(Call.duration_seconds >= filters.min_duration)
    if filters.source:
        query = query.where(func.lower(Call.source) == filters.source.lower())
    if filters.medium:
        query = query.where(func.lower(Call.medium) == filters.medium.lower())
    if filters.caller_state is not None:
        query = query.where(func.upper(Call.caller_state) == filters.caller_state.upper())
    if filters.search:
        query = query.where(search_clause(filters.search))
    return query


def list_calls_after(
    workspace: Workspace, filters: CallFilters, after: uuid.UUID | None, limit: int = PAGE_SIZE
) -> KeysetPage[Call]:
    """Return the page of filtered calls, newest first, that follows the call `after`."""
    query = filter_calls(select(Call), workspace, filters).options(
        joinedload(Call.campaign), joinedload(Call.phone_number), joinedload(Call.visitor_session)
    )
    return newest_first_page(
        query, Call, Call.started_at, workspace_id=workspace.id, after=after, limit=limit
    )


def get_call(workspace: Workspace, call_uuid: str | uuid.UUID) -> Call:
    """Return the workspace's call with this uuid or raise NotFound."""
    wanted = parse_public_id(call_uuid, "Call not found.")
    call: Call | None = db.session.scalar(
        select(Call)
        .options(
            joinedload(Call.campaign),
            joinedload(Call.phone_number),
            joinedload(Call.visitor_session),
        )
        .where(Call.workspace_id == workspace.id, Call.uuid == wanted)
    )
    if call is None:
        raise NotFound("Call not found.")
    return call


EXPORT_COLUMNS = (
    Call.uuid,
    Call.started_at,
    Call.caller_number,
    Call.tracking_number,
    Call.duration_seconds,
    Call.status,
    Call.first_call,
    Campaign.name.label("campaign"),
    Call.source,
    Call.medium,
    Call.caller_city,
    Call.caller_state,
    Call.caller_zip,
    Call.caller_country,
    Call.external_id,
    Call.provider_call_id,
    *(
        VisitorSession.__table__.c["utm_term" if name == "keyword" else name].label(f"visit_{name}")
        for name in VISIT_COLUMNS
    ),
)


def iter_calls_for_export(
    workspace: Workspace, filters: CallFilters
) -> Iterator[Row[*tuple[Any, ...]]]:
    """Yield the filtered calls newest first as plain rows, a batch at a time."""
    query = (
        filter_calls(select(*EXPORT_COLUMNS), workspace, filters)
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .outerjoin(VisitorSession, VisitorSession.id == Call.visitor_session_id)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .execution_options(yield_per=EXPORT_BATCH)
    )
    yield from db.session.execute(query)


def filter_choices(workspace: Workspace) -> tuple[list[Campaign], list[PhoneNumber]]:
    """Return the workspace's campaigns and tracking numbers, for the filter menus."""
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.workspace_id == workspace.id).order_by(Campaign.name)
    )
    numbers = db.session.scalars(
        select(PhoneNumber)
        .where(PhoneNumber.workspace_id == workspace.id)
        .order_by(PhoneNumber.number)
    )
    return list(campaigns), list(numbers)


def latest_call_at(workspace: Workspace) -> datetime | None:
    """Return when the workspace's newest call started, or None before its first call."""
    # Read off the end of the (workspace, started_at) index: one row, whatever the table size.
    return db.session.scalar(
        select(Call.started_at)
        .where(Call.workspace_id == workspace.id)
        .order_by(Call.started_at.desc())
        .limit(1)
    )
