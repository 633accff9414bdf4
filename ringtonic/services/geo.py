"""Where callers are: a campaign's (or workspace's) calls grouped by state, city and zip."""

from __future__ import annotations

from ringtonic.models import Campaign, Workspace
from ringtonic.models.rollups import PLACE_NAMES, CallPlaceRollup
from ringtonic.services.call_stats import Counters
from ringtonic.services.campaigns import CampaignRef
from ringtonic.services.periods import Period
from ringtonic.services.places import LatLon, city_location, state_location, zip_location
from ringtonic.services.rollup_queries import counts_by_key


def _entry(place: dict, point: LatLon | None, counters: Counters) -> dict:
    """One place as the API lists it: its names, coordinates and counters."""
    place["latitude"] = point.latitude if point is not None else None
    place["longitude"] = point.longitude if point is not None else None
    place.update(counters.as_dict())
    return place


def _add_to(groups: dict, key: tuple, counters: Counters) -> None:
    found = groups.get(key)
    if found is None:
        groups[key] = counters.copy()  # a place's counters go into up to three groups
    else:
        found.add(counters)


def _ranked(entries: list[dict], name: str) -> list[dict]:
    # Most calls first; ties alphabetically, so the order is stable between requests.
    entries.sort(key=lambda e: (-e["calls"], e[name], e["state"] or ""))
    return entries


def geo_data(
    workspace: Workspace,
    period: Period,
    campaign: Campaign | CampaignRef | None = None,
    status: str | None = None,
) -> dict:
    """Return totals and the callers' locations grouped by state, city and zip code."""
    groups = counts_by_key(
        workspace, period.start, period.end, CallPlaceRollup, PLACE_NAMES, campaign, status
    )
    totals, unknown, outside_us = Counters(), Counters(), Counters()
    states: dict[tuple[str, str], Counters] = {}
    cities: dict[tuple[str, str, str], Counters] = {}
    zips: dict[tuple[str, str], Counters] = {}
    zip_places: dict[tuple[str, str], tuple[int, str, str]] = {}
    for (country, state, city, zip_code), counters in groups:
        totals.add(counters)
        country = country or ""
        if not (state or city or zip_code):
            unknown.add(counters)
            continue
        if country not in ("", "US"):
            outside_us.add(counters)
        if state:
            _add_to(states, (country, state), counters)
        if city:
            _add_to(cities, (country, state, city), counters)
        if zip_code:
            _add_to(zips, (country, zip_code), counters)
            # Name a zip after the city most of its callers gave.
            best = zip_places.get((country, zip_code))
            if best is None or counters.calls > best[0]:
                zip_places[(country, zip_code)] = (counters.calls, city, state)

    summary = totals.as_dict()
    summary["calls_without_location"] = unknown.calls
    summary["calls_outside_us"] = outside_us.calls
    by_state = [
        _entry({"country": c or None, "state": st}, state_location(st, c), counters)
        for (c, st), counters in states.items()
    ]
    by_city = [
        _entry(
            {"country": c or None, "state": st or None, "city": city},
            city_location(city, st, c),
            counters,
        )
        for (c, st, city), counters in cities.items()
    ]
    by_zip = []
    for (c, zip_code), counters in zips.items():
        _, city, st = zip_places[(c, zip_code)]
        place = {"country": c or None, "zip": zip_code, "city": city or None, "state": st or None}
        by_zip.append(_entry(place, zip_location(zip_code, c), counters))
    return {
        "period": period.as_dict(),
        "totals": summary,
        "by_state": _ranked(by_state, "state"),
        "by_city": _ranked(by_city, "city"),
        "by_zip": _ranked(by_zip, "zip"),
    }
