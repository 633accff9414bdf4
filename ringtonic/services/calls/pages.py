"""The calls log a page at a time: sort orders, keyset cursors, the total, date presets."""

from __future__ import annotations

import base64
import binascii
import calendar
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ringtonic.extensions import db
from ringtonic.models import Call, Workspace
from ringtonic.services.calls.keyset import newer_than, older_than, position_inside, position_of
from ringtonic.services.calls.queries import PAGE_SIZE, CallFilters, filter_calls
from ringtonic.services.errors import ValidationError

MAX_PAGE_SIZE = 200
PAGE_SIZES = (25, 50, 100, 200)
# Each order is served by an index on (workspace_id, column, id): a page deep in the list
# reads as few rows as the first.
SORT_COLUMNS = {"time": Call.started_at, "duration": Call.duration_seconds, "status": Call.status}
SORT_LABELS = {"time": "Time", "duration": "Duration", "status": "Status"}
PERIODS = {
    "": "Any time",
    "today": "Today",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "custom": "Custom dates",
}
# Cursor directions: the next page in the chosen order, or the previous one.
_NEXT, _PREVIOUS = "o", "n"
CURSOR_OUT_OF_DATE = "This page link is out of date. Go back to the first page."


@dataclass(frozen=True)
class CallSort:
    """Which column orders the calls log, and which way."""

    key: str = "time"
    descending: bool = True

    def to_query(self) -> dict[str, str]:
        """Return the sort as query-string values (none for the default, newest first)."""
        if self == CallSort():
            return {}
        return {"sort": self.key, "dir": "desc" if self.descending else "asc"}


@dataclass(frozen=True)
class CallPage:
    """One page of calls in the chosen order, with cursors to the pages either side."""

    calls: list[Call]
    newer_cursor: str | None
    older_cursor: str | None


def parse_sort(key: str = "", direction: str = "") -> CallSort:
    """Read the sort column and direction from plain values; raise ValidationError if unknown."""
    key = (key or "").strip() or "time"
    if key not in SORT_COLUMNS:
        raise ValidationError(f"Sort by one of: {', '.join(SORT_COLUMNS)}.", "sort")
    direction = (direction or "").strip() or "desc"
    if direction not in ("asc", "desc"):
        raise ValidationError("The sort direction must be asc or desc.", "dir")
    return CallSort(key, direction == "desc")


def parse_page_size(raw: str = "") -> int:
    """Read the page size; only the sizes offered are accepted."""
    text = (raw or "").strip()
    if not text:
        return PAGE_SIZE
    if not text.isdigit() or int(text) not in PAGE_SIZES:
        sizes = ", ".join(str(size) for size in PAGE_SIZES)
        raise ValidationError(f"Show {sizes} calls a page.", "per_page")
    return int(text)


def period_dates(period: str, today: date) -> tuple[date | None, date | None]:
    """Return the first and last local day a date preset covers (None, None for any time)."""
    if period not in PERIODS:
        raise ValidationError("Choose a period from the list.", "period")
    if period == "today":
        return today, today
    if period in ("7d", "30d"):
        return today - timedelta(days=int(period[:-1]) - 1), today
    if period == "this_month":
        return today.replace(day=1), today
    if period == "last_month":
        last_day = today.replace(day=1) - timedelta(days=1)
        return last_day.replace(day=1), last_day.replace(
            day=calendar.monthrange(last_day.year, last_day.month)[1]
        )
    return None, None


def encode_cursor(direction: str, call: Call) -> str:
    """Return an opaque cursor naming a call (by its public uuid) and a direction."""
    raw = f"{direction}:{call.uuid}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    """Return the direction and the public id of the call a cursor names."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        direction, _, call_uuid = text.partition(":")
        wanted = uuid.UUID(call_uuid)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError(CURSOR_OUT_OF_DATE, "cursor") from None
    if direction not in (_NEXT, _PREVIOUS):
        raise ValidationError(CURSOR_OUT_OF_DATE, "cursor")
    return direction, wanted


def calls_page_query(
    workspace: Workspace,
    filters: CallFilters,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    sort: CallSort = CallSort(),
) -> tuple[Select[Call], str, uuid.UUID | None]:
    """Build the page query (one row more than `limit`); say which way it reads, from where."""
    column = SORT_COLUMNS[sort.key]
    query = filter_calls(select(Call), workspace, filters)
    direction, anchor = _NEXT, None
    if cursor:
        direction, anchor = _decode_cursor(cursor)
    # The previous page is read backwards from the cursor, then turned round.
    reading_down = sort.descending == (direction == _NEXT)
    if anchor is not None:
        position = position_inside(Call, column, workspace.id, anchor)
        bound = older_than if reading_down else newer_than
        query = query.where(bound(column, Call.id, *position))
    if reading_down:
        query = query.order_by(column.desc(), Call.id.desc())
    else:
        query = query.order_by(column.asc(), Call.id.asc())
    return query.limit(limit + 1), direction, anchor


def list_calls(
    workspace: Workspace,
    filters: CallFilters,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    sort: CallSort = CallSort(),
) -> CallPage:
    """Return one page of the workspace's calls in the chosen order (newest first by default)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError(f"Limit must be between 1 and {MAX_PAGE_SIZE}.", "limit")
    query, direction, anchor = calls_page_query(workspace, filters, cursor, limit, sort)
    query = query.options(
        joinedload(Call.campaign), joinedload(Call.phone_number), joinedload(Call.visitor_session)
    )
    rows = list(db.session.scalars(query))
    # A cursor naming no call of this workspace matches nothing, like the end of the
    # list: tell the two apart.
    if (
        not rows
        and anchor is not None
        and position_of(Call, Call.started_at, workspace.id, anchor) is None
    ):
        raise ValidationError(CURSOR_OUT_OF_DATE, "cursor")
    more = len(rows) > limit
    rows = rows[:limit]
    if direction == _PREVIOUS:
        rows.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = bool(cursor), more
    return CallPage(
        calls=rows,
        newer_cursor=encode_cursor(_PREVIOUS, rows[0]) if rows and has_previous else None,
        older_cursor=encode_cursor(_NEXT, rows[-1]) if rows and has_next else None,
    )


def count_calls(workspace: Workspace, filters: CallFilters) -> int:
    """Return how many of the workspace's calls match the filters."""
    query = filter_calls(select(func.count()).select_from(Call), workspace, filters)
    return db.session.scalar(query) or 0


OTHER_CALLS_SHOWN = 10


def other_calls_from_caller(
    workspace: Workspace, call: Call, limit: int = OTHER_CALLS_SHOWN
) -> tuple[list[Call], int]:
    """Return the caller's other calls to the workspace, newest first, and how many there are."""
    if not call.caller_number:
        return [], 0
    # The (workspace, caller, started_at) index answers both.
    same_caller = filter_calls(select(Call), workspace, CallFilters()).where(
        Call.caller_number == call.caller_number, Call.id != call.id
    )
    calls = db.session.scalars(
        same_caller.options(joinedload(Call.campaign))
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(limit)
    ).all()
    total = db.session.scalar(
        same_caller.with_only_columns(func.count(), maintain_column_froms=True)
    )
    return list(calls), total or 0
