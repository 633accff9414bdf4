"""Coordinates for US zip codes, cities and states, from the offline `zipcodes` dataset.

Looked up as geo-data needs them and remembered per process, rather than read whole:
`zipcodes.list_all()` turns the dataset into 42,000 Python dicts, which kept every worker
about 160 MiB larger for the rest of its life. Zip codes come in by their first three
digits (about 1.5 ms a prefix, once); a state's cities and centre from one pass over
that state's zip codes (about 10 ms, once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

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


def _point(entry: dict[str, Any]) -> LatLon:
    return LatLon(float(entry["lat"]), float(entry["long"]))


# Keys are checked before they reach the caches, so these hold at most 1,000 prefixes and
# 676 state codes, whatever callers send.
@cache
def _zips_starting(prefix: str) -> dict[str, LatLon]:
    """Return where every zip code starting with these three digits is (any kind)."""
    # By prefix, not one zip at a time: a lookup scans the dataset either way (about 1.5
    # ms), and a nationwide campaign's 10,000 zip codes share under 1,000 prefixes.
    return {entry["zip_code"]: _point(entry) for entry in zipcodes.similar_to(prefix)}


@dataclass(frozen=True)
class _StatePlaces:
    centre: LatLon | None
    cities: dict[str, LatLon]  # upper-case city name -> centre


_NOWHERE = _StatePlaces(None, {})


@cache
def _state_places(state: str) -> _StatePlaces:
    """Return a state's centre and its cities' centres, from its street zip codes."""
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


# Answers by the names as stored: geo-data looks up the same few hundred on every
# request, and a hit costs a fraction of cleaning and checking the names again.
_ANSWERS_KEPT = 16384


@lru_cache(maxsize=_ANSWERS_KEPT)
def zip_location(zip_code: str, country: str = "US") -> LatLon | None:
    """Return the coordinates of a US zip code (ZIP+4 accepted), or None."""
    if country not in ("US", "") or not zip_code:
        return None
    zip5 = zip_code.strip()[:5]
    return _zips_starting(zip5[:3]).get(zip5) if _ZIP.fullmatch(zip5) else None


@lru_cache(maxsize=_ANSWERS_KEPT)
def city_location(city: str, state: str, country: str = "US") -> LatLon | None:
    """Return the centre of a US city's street zip codes, or None."""
    if country not in ("US", "") or not city or not state:
        return None
    return _places_of(state).cities.get(city.strip().upper())


@lru_cache(maxsize=_ANSWERS_KEPT)
def state_location(state: str, country: str = "US") -> LatLon | None:
    """Return the centre of a US state's street zip codes, or None."""
    if country not in ("US", "") or not state:
        return None
    return _places_of(state).centre


def _places_of(state: str) -> _StatePlaces:
    code = state.strip().upper()
    return _state_places(code) if _STATE.fullmatch(code) else _NOWHERE
