"""Reading the date and time of an imported call, in the formats people's files have.

Accepted: ISO 8601 with or without an offset (2026-12-02T14:05:00Z, 2026-12-02T14:05:00-06:00,
2026-12-02 14:05, 2026-12-02 14:05:00) and US month/day/year with a 12- or 24-hour clock
(12/02/2026 2:05 PM, 12/02/2026 14:05). A time without an offset is a wall time in the
workspace's zone; one that clocks skipped or repeated there is refused, never guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ringtonic.services.calls.import_fields import CellError

EARLIEST_YEAR = 1970
LATEST_YEAR = 2999
EXAMPLES = "2026-12-02 14:05, 2026-12-02T14:05:00Z or 12/02/2026 2:05 PM"
US_DATE_TIME = re.compile(
    r"(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d+)"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<half>[ap]\.?m\.?)?)?",
    re.IGNORECASE,
)


def _us_date_time(text: str) -> datetime:
    match = US_DATE_TIME.fullmatch(text)
    if match is None:
        raise CellError(f"is not a date and time like {EXAMPLES}")
    if len(match["year"]) != 4:
        raise CellError("needs a four-digit year (month/day/year, as in 12/02/2026 2:05 PM)")
    month, day, year = int(match["month"]), int(match["day"]), int(match["year"])
    if month > 12:
        raise CellError(
            f"has month {month}: dates with slashes are read month first, as in the US "
            "(12/02/2026 is December 2, 2026)"
        )
    if match["hour"] is None:
        raise CellError("needs a time of day as well as the date")
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            raise CellError(f"has hour {hour} with AM/PM; a 12-hour clock runs from 1 to 12")
        hour = hour % 12 + (12 if match["half"][0].lower() == "p" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise CellError(
            f"is not a real date and time (read as month/day/year: {month}/{day}/{year})"
        ) from None


def _iso_date_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CellError(f"is not a date and time like {EXAMPLES}") from None
    if "T" not in text.upper() and " " not in text:
        raise CellError("needs a time of day as well as the date")
    return value


def _in_zone(value: datetime, zone: ZoneInfo) -> datetime:
    """Return a naive wall time placed in `zone`, refusing one that is skipped or repeated."""
    earlier, later = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        # fold=0 is the wall time's first meaning: before clocks jump (a gap) or go back.
        if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
            raise CellError(f"names a time that does not exist in {zone.key} (clocks went forward)")
        raise CellError(
            f"names a time that happened twice in {zone.key} (clocks went back); "
            f"add its UTC offset, e.g. {_with_offset(earlier)} or {_with_offset(later)}"
        )
    return earlier


def _with_offset(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def parse_started_at(text: str, zone: ZoneInfo, latest: datetime) -> datetime:
    """Return the moment as aware UTC; a time without an offset is read in `zone`."""
    if not text:
        raise CellError("is required")
    value = _us_date_time(text) if "/" in text else _iso_date_time(text)
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise CellError(f"must be in a year between {EARLIEST_YEAR} and {LATEST_YEAR}")
    if value.tzinfo is None:
        value = _in_zone(value, zone)
    value = value.astimezone(UTC)
    if value > latest:
        raise CellError("is in the future")
    return value
