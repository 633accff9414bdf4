"""Coordinates for US zip codes, cities and states, from the offline `zipcodes` dataset."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import zipcodes


@dataclass(frozen=True)
class LatLon:
    """A point in decimal degrees."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class PlaceIndex:
    """Lookup tables built once per process from the dataset."""

    by_zip: dict[str, LatLon]
    by_city: dict[tuple[str, str], LatLon]
    by_state: dict[str, LatLon]


def _mean(points: list[LatLon]) -> LatLon:
    return LatLon(
        round(sum(p.latitude for p in points) / len(points), 4),
        round(sum(p.longitude for p in points) / len(points), 4),
    )


@cache
def place_index() -> PlaceIndex:
    """Build the zip, city and state tables (about 0.3 s, once per process)."""
    by_zip: dict[str, LatLon] = {}
    city_points: dict[tuple[str, str], list[LatLon]] = {}
    state_points: dict[str, list[LatLon]] = {}
    for entry in zipcodes.list_all():
        point = LatLon(float(entry["lat"]), float(entry["long"]))
        by_zip[entry["zip_code"]] = point
        # PO boxes and single-company zips sit on top of real ones; centroids use street zips.
        if entry["zip_code_type"] != "STANDARD" or not entry["active"]:
            continue
        key = (entry["city"].upper(), entry["state"].upper())
        city_points.setdefault(key, []).append(point)
        state_points.setdefault(entry["state"].upper(), []).append(point)
    return PlaceIndex(
        by_zip=by_zip,
        by_city={key: _mean(points) for key, points in city_points.items()},
        by_state={key: _mean(points) for key, points in state_points.items()},
    )


def zip_location(zip_code: str, country: str = "US") -> LatLon | None:
    """Return the coordinates of a US zip code (ZIP+4 accepted), or None."""
    if country not in ("US", "") or not zip_code:
        return None
    return place_index().by_zip.get(zip_code.strip()[:5])


def city_location(city: str, state: str, country: str = "US") -> LatLon | None:
    """Return the centre of a US city's street zip codes, or None."""
    if country not in ("US", "") or not city or not state:
        return None
    return place_index().by_city.get((city.strip().upper(), state.strip().upper()))


def state_location(state: str, country: str = "US") -> LatLon | None:
    """Return the centre of a US state's street zip codes, or None."""
    if country not in ("US", "") or not state:
        return None
    return place_index().by_state.get(state.strip().upper())
