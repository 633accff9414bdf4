"""The Money Map's tables of states, cities and zip codes: labels, sorting and CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from ringtonic.services.money_map.drawing import US_COUNTRIES
from ringtonic.services.money_map.us_map import us_map

TABLES = ("state", "city", "zip")
TABLE_LABELS = {"state": "States", "city": "Cities", "zip": "Zip codes"}
SORT_COLUMNS = ("name", "calls", "answered", "missed", "first_time_callers", "average_duration")
# Visitors mode: states and cities only (a visit's location has no zip code).
VISITOR_TABLES = ("state", "city")
VISITOR_SORT_COLUMNS = (
    "name",
    "visits",
    "visitors",
    "calls",
    "calls_from_visits",
    "calls_per_visit",
)
DIRECTIONS = ("asc", "desc")
COUNTER_FIELDS = ("calls", "answered", "missed", "first_time_callers", "average_duration")
VISITOR_FIELDS = ("visits", "visitors", "calls", "calls_from_visits", "calls_per_visit")
# Spreadsheets run a cell starting with these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = {
    "state": ("state", "state_name", "country"),
    "city": ("city", "state", "country"),
    "zip": ("zip", "city", "state", "country"),
}


@dataclass(frozen=True)
class PlaceRow:
    """One table row: a place's name for people, its geo-data entry and where it sits."""

    name: str
    detail: str
    entry: dict[str, Any]


def _state_name(entry: dict[str, Any]) -> str:
    if entry["country"] in US_COUNTRIES:
        return us_map().state_names().get(entry["state"].strip().upper(), "")
    return ""


def place_rows(geo: dict[str, Any], table: str) -> list[PlaceRow]:
    """Return the rows of one table in geo-data order (most calls first)."""
    rows = []
    for entry in geo[f"by_{table}"]:
        foreign = entry["country"] not in US_COUNTRIES
        country = f" ({entry['country']})" if foreign else ""
        if table == "state":
            name = (_state_name(entry) or entry["state"]) + country
            detail = ""
        elif table == "city":
            name = entry["city"]
            where = (entry["state"], entry["country"] if foreign else "")
            detail = ", ".join(part for part in where if part)
        else:
            name = entry["zip"] + country
            detail = ", ".join(part for part in (entry["city"], entry["state"]) if part)
        rows.append(PlaceRow(name=name, detail=detail, entry=entry))
    return rows


def sort_rows(rows: list[PlaceRow], column: str, direction: str) -> list[PlaceRow]:
    """Sort by a counter or the name; ties keep the geo-data order (stable sort)."""

    def key(row: PlaceRow) -> Any:
        if column == "name":
            return (row.name.casefold(), row.detail.casefold())
        # A place without visits has no calls per visit (null): it sorts below every number.
        value = row.entry[column]
        return -1 if value is None else value

    return sorted(rows, key=key, reverse=direction == "desc")


def default_direction(column: str) -> str:
    """Names read A→Z first; counters biggest first."""
    return "asc" if column == "name" else "desc"


def safe_cell(value):
    """Neutralise text a spreadsheet would run as a formula; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def places_csv(rows: list[PlaceRow], table: str, show: str = "callers") -> str:
    """Write one table as CSV, with the API's field names as the header."""
    counters = VISITOR_FIELDS if show == "visitors" else COUNTER_FIELDS
    header = (*CSV_COLUMNS[table], *counters, "latitude", "longitude")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        entry = {**row.entry, "state_name": _state_name(row.entry)}
        writer.writerow(
            [safe_cell("" if entry.get(column) is None else entry[column]) for column in header]
        )
    return out.getvalue()
