"""Independent counts for API report tests: plain Python over the rows a test inserted."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.support.report_data import NOW

MISSED = {"missed", "busy", "failed", "voicemail"}


def tally(rows: list[dict]) -> dict:
    """Count rows the way the API documents its counters."""
    calls = len(rows)
    duration = sum(r["duration_seconds"] for r in rows)
    return {
        "calls": calls,
        "answered": sum(r["status"] == "answered" for r in rows),
        "missed": sum(r["status"] in MISSED for r in rows),
        "first_time_callers": sum(bool(r["first_call"]) for r in rows),
        "average_duration": round(duration / calls, 1) if calls else 0.0,
    }


def local_days(first: str, last: str, zone: str) -> tuple[datetime, datetime]:
    """Return the UTC bounds of local days first..last (inclusive) in `zone`."""
    tz = ZoneInfo(zone)
    start = datetime.combine(date.fromisoformat(first), time(), tz)
    end = datetime.combine(date.fromisoformat(last) + timedelta(days=1), time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_30_days(zone: str) -> tuple[datetime, datetime]:
    today = NOW.astimezone(ZoneInfo(zone)).date()
    return local_days(str(today - timedelta(days=29)), str(today), zone)


def within(rows: list[dict], bounds: tuple[datetime, datetime], **equal) -> list[dict]:
    start, end = bounds
    return [
        r
        for r in rows
        if start <= r["started_at"] < end and all(r[k] == v for k, v in equal.items())
    ]


def grouped(rows: list[dict], key) -> dict:
    groups: dict = defaultdict(list)
    for row in rows:
        k = key(row)
        if k:  # rows without that place are not grouped
            groups[k].append(row)
    return {k: tally(v) for k, v in groups.items()}


def counters(entry: dict) -> dict:
    names = ("calls", "answered", "missed", "first_time_callers", "average_duration")
    return {name: entry[name] for name in names}


def assert_bad_request(response, field: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert (body["code"], body["field"]) == ("validation_error", field)
