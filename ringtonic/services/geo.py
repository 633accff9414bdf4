"""Where callers are: a campaign's (or workspace's) calls grouped by state, city and zip."""

from __future__ import annotations

from ringtonic.models import Campaign, Workspace
from ringtonic.models.rollups import CallPlaceRollup
from ringtonic.services.call_stats import Counters
from ringtonic.services.periods import Period
from ringtonic.services.places import LatLon, city_location, state_location, zip_location
from ringtonic.services.rollup_queries import counts_by_key

PLACE_KEYS = ("caller_country", "caller_state", "caller_city", "caller_zip")


def _coordinates(point: LatLon | None) -> dict[str, float | None]:
    if point is None:
        return {"latitude": None, "longitude": None}
    return {"latitude": point.latitude, "longitude": point.longitude}


def _ranked(groups: dict, describe, name: str) -> list[dict]:
    entries = [{**describe(key), **counters.as_dict()} for key, counters in groups.items()]
    # Most calls first; ties alphabetically, so the order is stable between requests.
    entries.sort(key=lambda e: (-e["calls"], e[name], e["state"] or ""))
    return entries


def geo_data(
    workspace: Workspace,
    period: Period,
    campaign: Campaign | None = None,
    status: str | None = None,
) -> dict:
    """Return totals and the callers' locations grouped by state, city and zip code."""
    groups = counts_by_key(
        workspace, period.start, period.end, CallPlaceRollup, PLACE_KEYS, campaign, status
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
            states.setdefault((country, state), Counters()).add(counters)
        if city:
            cities.setdefault((country, state, city), Counters()).add(counters)
        if zip_code:
            zips.setdefault((country, zip_code), Counters()).add(counters)
            # Name a zip after the city most of its callers gave.
            best = zip_places.get((country, zip_code))
            if best is None or counters.calls > best[0]:
                zip_places[(country, zip_code)] = (counters.calls, city, state)

    summary = totals.as_dict()
    summary["calls_without_location"] = unknown.calls
    summary["calls_outside_us"] = outside_us.calls
    return {
        "period": period.as_dict(),
        "totals": summary,
        "by_state": _ranked(
            states,
            lambda k: {
                "country": k[0] or None,
                "state": k[1],
                **_coordinates(state_location(k[1], k[0])),
            },
            "state",
        ),
        "by_city": _ranked(
            cities,
            lambda k: {
                "country": k[0] or None,
                "state": k[1] or None,
                "city": k[2],
                **_coordinates(city_location(k[2], k[1], k[0])),
            },
            "city",
        ),
        "by_zip": _ranked(
            zips,
            lambda k: {
                "country": k[0] or None,
                "zip": k[1],
                "city": zip_places[k][1] or None,
                "state": zip_places[k][2] or None,
                **_coordinates(zip_location(k[1], k[0])),
            },
            "zip",
        ),
    }
