"""The Money Map: one workspace's or campaign's callers on a US map and in tables.

The numbers come from `geo_data`, the same service the geo-data API serializes, so the page
and the API never disagree for the same filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ringtonic.models import Campaign, Workspace
from ringtonic.services.calls.stats import STATUS_FILTERS
from ringtonic.services.errors import ValidationError
from ringtonic.services.money_map.areas import check_area
from ringtonic.services.money_map.drawing import US_COUNTRIES, MapDrawing, draw_map
from ringtonic.services.money_map.tables import (
    DIRECTIONS,
    SORT_COLUMNS,
    TABLES,
    VISITOR_SORT_COLUMNS,
    VISITOR_TABLES,
    PlaceRow,
    default_direction,
    place_rows,
    places_csv,
    sort_rows,
)
from ringtonic.services.names import file_slug
from ringtonic.services.reporting.geo import callers_only, geo_data, visitors_only
from ringtonic.services.reporting.periods import Period, resolve_period
from ringtonic.services.telephony.campaigns import get_campaign

CIRCLE_LEVELS = ("city", "zip")
# What the map measures: calls by where the caller is, or website visits by where the visitor is.
SHOW_MODES = ("callers", "visitors")
# The page lists this many rows per table; the CSV download has them all.
TABLE_ROW_LIMIT = 100


@dataclass(frozen=True)
class MapQuery:
    """The page's filters and view choices, as strings from the query string."""

    start_date: str = ""
    end_date: str = ""
    status: str = ""
    campaign: str = ""
    show: str = "callers"
    circles: str = "city"
    table: str = "state"
    sort: str = ""  # "" sorts by the mode's main count (calls or visits)
    direction: str = ""
    area: str = ""  # "" zooms to where the calls are, "us" or a state's code chooses

    @property
    def visitors(self) -> bool:
        return self.show == "visitors"

    @property
    def sort_column(self) -> str:
        return self.sort or ("visits" if self.visitors else "calls")

    @property
    def sort_direction(self) -> str:
        return self.direction or default_direction(self.sort_column)


@dataclass(frozen=True)
class MoneyMap:
    """What the page shows: the filters applied, the geo-data, the drawing and one table."""

    period: Period
    campaign: Campaign | None
    status: str | None
    geo: dict[str, Any]
    drawing: MapDrawing
    rows: list[PlaceRow]
    show: str = "callers"

    @property
    def calls_on_map(self) -> int:
        totals: dict[str, int] = self.geo["totals"]
        return totals["calls"] - totals["calls_without_location"] - totals["calls_outside_us"]

    @property
    def visits_outside_us(self) -> int:
        return sum(e["visits"] for e in self.geo["by_state"] if e["country"] not in US_COUNTRIES)

    @property
    def on_map(self) -> int:
        """The calls (or, showing visitors, the visits) placed in a US state."""
        if self.show != "visitors":
            return self.calls_on_map
        return sum(e["visits"] for e in self.geo["by_state"] if e["country"] in US_COUNTRIES)


def _check_choice(value: str, choices: tuple[str, ...], field: str, what: str) -> None:
    if value not in choices:
        raise ValidationError(f"Choose {what}: {', '.join(choices)}.", field)


def check_query(query: MapQuery) -> None:
    """Refuse values no link or form on the page produces, naming the field."""
    _check_choice(query.show, SHOW_MODES, "show", "what the map shows")
    if query.status:
        _check_choice(query.status, STATUS_FILTERS, "status", "a call status")
    _check_choice(query.circles, CIRCLE_LEVELS, "circles", "what the circles show")
    _check_choice(query.table, TABLES, "table", "a table")
    if query.visitors:
        # Visits have no call status and no zip code: say so rather than quietly drop them.
        if query.status:
            raise ValidationError(
                "Visits have no call status: choose “Any status” or show callers.", "status"
            )
        if query.circles == "zip":
            raise ValidationError("Visits have no zip code: circles show cities.", "circles")
        _check_choice(query.table, VISITOR_TABLES, "table", "a table of visits")
        _check_choice(query.sort_column, VISITOR_SORT_COLUMNS, "sort", "a column to sort by")
    else:
        _check_choice(query.sort_column, SORT_COLUMNS, "sort", "a column to sort by")
    if query.direction:
        _check_choice(query.direction, DIRECTIONS, "dir", "a sort direction")
    check_area(query.area)


def _filtered_geo(
    workspace: Workspace, query: MapQuery, now: datetime
) -> tuple[Period, Campaign | None, dict[str, Any]]:
    check_query(query)
    period = resolve_period(query.start_date, query.end_date, workspace.time_zone, now)
    campaign = get_campaign(workspace, query.campaign) if query.campaign else None
    geo = geo_data(workspace, period, campaign=campaign, status=query.status or None)
    if query.visitors:
        return period, campaign, visitors_only(geo)
    # The map and its tables show callers; places only visitors came from stay off them.
    return period, campaign, callers_only(geo)


def money_map(workspace: Workspace, query: MapQuery, now: datetime) -> MoneyMap:
    """Compute the page: raise ValidationError for a bad filter, NotFound for a campaign."""
    period, campaign, geo = _filtered_geo(workspace, query, now)
    rows = sort_rows(place_rows(geo, query.table), query.sort_column, query.sort_direction)
    measure = "visits" if query.visitors else "calls"
    return MoneyMap(
        period=period,
        campaign=campaign,
        status=query.status or None,
        geo=geo,
        drawing=draw_map(geo, query.circles, query.area, measure),
        rows=rows,
        show=query.show,
    )


def money_map_csv(workspace: Workspace, query: MapQuery, now: datetime) -> tuple[str, str]:
    """Return (file name, CSV text) of one whole table, sorted as on the page."""
    period, _campaign, geo = _filtered_geo(workspace, query, now)
    rows = sort_rows(place_rows(geo, query.table), query.sort_column, query.sort_direction)
    dates = period.as_dict()
    period_part = f"{dates['start_date']}-to-{dates['end_date']}"
    what = "-visitors" if query.visitors else ""
    name = f"money-map-{file_slug(workspace.name)}{what}-{query.table}-{period_part}.csv"
    return name, places_csv(rows, query.table, query.show)
