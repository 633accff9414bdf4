"""Reporting periods: local dates in a time zone resolved to exact UTC bounds.

"Last N days" means one thing on every page and in the API: the N local days in the
workspace's time zone that end with today (today included), from local midnight to the
next local midnight, whatever the offset and DST changes. `last_days` is that window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ringtonic.services.accounts.workspaces import check_time_zone
from ringtonic.services.errors import ValidationError

DEFAULT_DAYS = 30
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 1, 1)
# A date-time whose "+05:00" was sent unencoded in a query string, which decodes "+" as a
# space (curl and hand-built URLs): the space before a bare offset can only be that "+".
_PLUS_AS_SPACE = re.compile(
    r"(?P<moment>\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?) (?P<offset>\d\d(?::?\d\d)?)"
)


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval [start, end) and the zone its local dates are read in."""

    start: datetime
    end: datetime
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def as_dict(self) -> dict[str, str]:
        """Describe the period as the API returns it."""
        local_start = self.start.astimezone(self.zone)
        local_last = (self.end - timedelta(microseconds=1)).astimezone(self.zone)
        return {
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
            "start_date": local_start.date().isoformat(),
            "end_date": local_last.date().isoformat(),
            "time_zone": self.time_zone,
        }


def iso_utc(moment: datetime) -> str:
    """Format an aware datetime as ISO 8601 UTC to the second, ending in Z (pages and API)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which `day` starts in `zone` (DST-safe)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def last_days(time_zone: str, now: datetime, days: int = DEFAULT_DAYS) -> Period:
    """Return the last `days` local days in `time_zone` ending with today, as a Period."""
    zone_name = check_time_zone(time_zone)
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    return Period(
        start=local_midnight(today - timedelta(days=days - 1), zone),
        end=local_midnight(today + timedelta(days=1), zone),
        time_zone=zone_name,
    )


def _parse_bound(raw: str, field: str, zone: ZoneInfo, is_end: bool) -> datetime:
    text = raw.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                f"{field} must be a date like 2026-01-31 or an ISO 8601 date-time.", field
            ) from None
        if not EARLIEST <= day < LATEST:
            raise ValidationError(f"{field} must be between 2000 and 2099.", field)
        # A date names a whole local day: the end bound is the next local midnight.
        return local_midnight(day + timedelta(days=1) if is_end else day, zone)
    plus_as_space = _PLUS_AS_SPACE.fullmatch(text)
    if plus_as_space is not None:
        text = f"{plus_as_space['moment']}+{plus_as_space['offset']}"
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValidationError(
            f"{field} must be a date like 2026-01-31 or an ISO 8601 date-time.", field
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not EARLIEST <= moment.date() < LATEST:
        raise ValidationError(f"{field} must be between 2000 and 2099.", field)
    return moment.astimezone(UTC)


def resolve_period(
    start_date: str | None,
    end_date: str | None,
    time_zone: str,
    now: datetime,
    default_days: int = DEFAULT_DAYS,
) -> Period:
    """Turn optional start/end strings into a Period; missing ends default to the last N days."""
    zone_name = check_time_zone(time_zone)
    zone = ZoneInfo(zone_name)
    # Today is looked up only for a missing end (pollers usually send both): last_days' bounds.
    today = None if end_date else now.astimezone(zone).date()
    if today is None:
        end = _parse_bound(end_date or "", "end_date", zone, is_end=True)
    else:
        end = local_midnight(today + timedelta(days=1), zone)
    if start_date:
        start = _parse_bound(start_date, "start_date", zone, is_end=False)
    elif today is not None:
        start = local_midnight(today - timedelta(days=default_days - 1), zone)
    else:
        last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
        start = local_midnight(last_day - timedelta(days=default_days - 1), zone)
    if end <= start:
        raise ValidationError("end_date must not be before start_date.", "end_date")
    return Period(start=start, end=end, time_zone=zone_name)


def parse_bounds(
    start_date: str | None, end_date: str | None, time_zone: str
) -> tuple[datetime | None, datetime | None]:
    """Return the UTC bounds [start, end) the given ends name; an end not given stays open."""
    zone = ZoneInfo(check_time_zone(time_zone))
    start = _parse_bound(start_date, "start_date", zone, is_end=False) if start_date else None
    end = _parse_bound(end_date, "end_date", zone, is_end=True) if end_date else None
    if start is not None and end is not None and end <= start:
        raise ValidationError("end_date must not be before start_date.", "end_date")
    return start, end
