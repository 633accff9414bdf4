"""Where callers are: a campaign's (or workspace's) calls grouped by state, city and zip."""

from __future__ import annotations

from typing import Any

from ringtonic.models import Campaign, Workspace
from ringtonic.models.rollups import PLACE_NAMES, CallPlaceRollup
from ringtonic.services.calls.stats import Counters
from ringtonic.services.money_map.geocoding import (
    LatLon,
    city_location,
    state_location,
    zip_location,
)
from ringtonic.services.reporting.periods import Period
from ringtonic.services.reporting.rollup_queries import counts_by_key
from ringtonic.services.reporting.visits import (
    NO_VISITS,
    Visits,
    visits_by_keys,
)
from ringtonic.services.telephony.campaigns import CampaignRef

VISIT_PLACE = ("country", "state", "city")


def _entry(
    place: dict[str, Any], point: LatLon | None, counters: Counters, visits: Visits | None = None
) -> dict[str, Any]:
    """One place as the API lists it: its names, coordinates, counters (and visits)."""
    place["latitude"] = point.latitude if point is not None else None
    place["longitude"] = point.longitude if point is not None else None
    counters.as_dict(place)
    return place if visits is None else visits.as_dict(counters.calls, place)


def _summed(members: list[Counters]) -> Counters:
    # Most zips and cities are one place: its counters serve as they are (never changed).
    # A place only visitors came from has none (a new, empty Counters).
    return members[0] if len(members) == 1 else Counters.sum_of(members)


def _ranked(entries: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    # Most calls first; ties alphabetically, so the order is stable between requests.
    entries.sort(key=lambda e: (-e["calls"], -e.get("visits", 0), e[name], e["state"] or ""))
    return entries


def geo_data(
    workspace: Workspace,
    period: Period,
    campaign: Campaign | CampaignRef | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """Return totals and the callers' (and visitors') locations by state, city and zip code.

    Visitors are placed by state and city only: a visit's location has no zip code.
    """
    groups = counts_by_key(
        workspace, period.start, period.end, CallPlaceRollup, PLACE_NAMES, campaign, status
    )
    # Each group's places first, summed once at the end: a place's counters go into up
    # to three groups, and copying them for every group cost more than the adding.
    unknown: list[Counters] = []
    outside_us: list[Counters] = []
    states: dict[tuple[str, str], list[Counters]] = {}
    cities: dict[tuple[str, str, str], list[Counters]] = {}
    zips: dict[tuple[str, str], list[Counters]] = {}
    zip_places: dict[tuple[str, str], tuple[int, str, str]] = {}
    for (country, state, city, zip_code), counters in groups:
        country = country or ""
        if not (state or city or zip_code):
            unknown.append(counters)
            continue
        if country not in ("", "US"):
            outside_us.append(counters)
        if state:
            states.setdefault((country, state), []).append(counters)
        if city:
            cities.setdefault((country, state, city), []).append(counters)
        if zip_code:
            zips.setdefault((country, zip_code), []).append(counters)
            # Name a zip after the city most of its callers gave.
            best = zip_places.get((country, zip_code))
            if best is None or counters.calls > best[0]:
                zip_places[(country, zip_code)] = (counters.calls, city, state)

    totals = Counters.sum_of(counters for _, counters in groups)
    summary = totals.as_dict()
    summary["calls_without_location"] = sum(counters.calls for counters in unknown)
    summary["calls_outside_us"] = sum(counters.calls for counters in outside_us)
    start, end = period.start, period.end
    visits = visits_by_keys(workspace, start, end, VISIT_PLACE, (3, 2, 0), campaign)
    state_visits, city_visits = visits[2], visits[3]
    visits[0][()].as_dict(totals.calls, summary)
    summary["visits_without_location"] = sum(
        v.visits for (_c, st, city), v in city_visits.items() if not (st or city)
    )
    # Places where visitors were but no caller was still belong on the map.
    for country, state in state_visits:
        if state:
            states.setdefault((country or "", state), [])
    for country, state, city in city_visits:
        if city:
            cities.setdefault((country or "", state or "", city), [])
    by_state = [
        _entry(
            {"country": c or None, "state": st},
            state_location(st, c),
            _summed(members),
            state_visits.get((c or None, st), NO_VISITS),
        )
        for (c, st), members in states.items()
    ]
    by_city = [
        _entry(
            {"country": c or None, "state": st or None, "city": city},
            city_location(city, st, c),
            _summed(members),
            city_visits.get((c or None, st or None, city), NO_VISITS),
        )
        for (c, st, city), members in cities.items()
    ]
    by_zip = []
    for (c, zip_code), members in zips.items():
        _, city, st = zip_places[(c, zip_code)]
        place = {"country": c or None, "zip": zip_code, "city": city or None, "state": st or None}
        by_zip.append(_entry(place, zip_location(zip_code, c), _summed(members)))
    return {
        "period": period.as_dict(),
        "totals": summary,
        "by_state": _ranked(by_state, "state"),
        "by_city": _ranked(by_city, "city"),
        "by_zip": _ranked(by_zip, "zip"),
    }


def callers_only(geo: dict[str, Any]) -> dict[str, Any]:
    """Return geo-data without the places only visitors came from (a map of callers)."""
    return {
        **geo,
        "by_state": [entry for entry in geo["by_state"] if entry["calls"]],
        "by_city": [entry for entry in geo["by_city"] if entry["calls"]],
    }


def visitors_only(geo: dict[str, Any]) -> dict[str, Any]:
    """Return geo-data's states and cities that had visits, most visits first (a map of visitors).

    Zip codes are left out: a visit's location has none.
    """

    def ranked(entries: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        kept = [entry for entry in entries if entry["visits"]]
        return sorted(kept, key=lambda e: (-e["visits"], -e["visitors"], e[name], e["state"] or ""))

    return {
        **geo,
        "by_state": ranked(geo["by_state"], "state"),
        "by_city": ranked(geo["by_city"], "city"),
        "by_zip": [],
    }
