"""Coordinates for US zip codes, cities and states, from the offline `zipcodes` dataset.

Looked up as geo-data needs them and remembered per process, rather than read whole:
`zipcodes.list_all()` turns the dataset into 42,000 Python dicts, which kept every worker
about 160 MiB larger for the rest of its life. A zip code costs one lookup in the
dataset's compiled index (about half a millisecond, once); a state's cities and centre
come from one pass over that state's zip codes (about 10 ms, once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import zipcodes

# The dataset's own parser fails on anything but ASCII (a Rust panic, not an exception),
# so only well-formed codes reach it.
_ZIP = re.compile(r"[0-9]{5}")
_STATE = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class LatLon:
    """A point in decimal degrees."""

    latitude: float
    longitude: float


def _mean(points: list[LatLon]) -> LatLon:
    return LatLon(
        round(sum(p.latitude for p in points) / len(points), 4),
        round(sum(p.longitude for p in points) / len(points), 4),
    )


def _point(entry: dict) -> LatLon:
    return LatLon(float(entry["lat"]), float(entry["long"]))


# Bounded: zips and states come from callers' data, and junk must not grow the cache.
@lru_cache(maxsize=8192)
def _zip_point(zip5: str) -> LatLon | None:
    """Return where a five-digit zip code is (any kind of zip code), or None."""
    if not _ZIP.fullmatch(zip5):
        return None
    found = zipcodes.matching(zip5)
    return _point(found[-1]) if found else None


@dataclass(frozen=True)
class _StatePlaces:
    centre: LatLon | None
    cities: dict[str, LatLon]  # upper-case city name -> centre


@lru_cache(maxsize=128)
def _state_places(state: str) -> _StatePlaces:
    """Return a state's centre and its cities' centres, from its street zip codes."""
    if not _STATE.fullmatch(state):
        return _StatePlaces(None, {})
    city_points: dict[str, list[LatLon]] = {}
    state_points: list[LatLon] = []
    for entry in zipcodes.filter_by(state=state):
        # PO boxes and single-company zips sit on top of real ones; centroids use street zips.
        if entry["zip_code_type"] != "STANDARD" or not entry["active"]:
            continue
        point = _point(entry)
        city_points.setdefault(entry["city"].upper(), []).append(point)
        state_points.append(point)
    return _StatePlaces(
        centre=_mean(state_points) if state_points else None,
        cities={city: _mean(points) for city, points in city_points.items()},
    )


def zip_location(zip_code: str, country: str = "US") -> LatLon | None:
    """Return the coordinates of a US zip code (ZIP+4 accepted), or None."""
    if country not in ("US", "") or not zip_code:
        return None
    return _zip_point(zip_code.strip()[:5])


def city_location(city: str, state: str, country: str = "US") -> LatLon | None:
    """Return the centre of a US city's street zip codes, or None."""
    if country not in ("US", "") or not city or not state:
        return None
    return _state_places(state.strip().upper()).cities.get(city.strip().upper())


def state_location(state: str, country: str = "US") -> LatLon | None:
    """Return the centre of a US state's street zip codes, or None."""
    if country not in ("US", "") or not state:
        return None
    return _state_places(state.strip().upper()).centre
