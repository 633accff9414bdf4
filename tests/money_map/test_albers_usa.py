"""The Albers USA projection matches d3's, and callers land inside their own state's shape."""

from __future__ import annotations

import pytest
import zipcodes

from ringtonic.services.money_map.projection import project
from ringtonic.services.money_map.us_map import us_map
from tests.support.map_geometry import bounding_box, contains, path_rings

# Produced once by d3-geo 3: d3.geoAlbersUsa().scale(1300).translate([487.5, 305])([lon, lat]).
D3_REFERENCE = [
    ((30.2713, -97.7426), (463.9325483300671, 497.35490514285664)),
    ((39.7491, -104.9946), (342.7927865633558, 273.65186075984013)),
    ((61.2225, -149.8677), (112.39919460615079, 544.2352212744013)),
    ((21.3179, -157.8521), (267.09274682350167, 548.9429708108626)),
    ((55.3422, -131.6478), (195.6733188003839, 574.7334711982021)),
    ((24.5552, -81.7816), (794.3724537766794, 604.4552691954154)),
    ((47.6114, -122.3305), (97.68072088649075, 46.212683665138684)),
    ((44.8242, -68.7918), (929.1652639005431, 102.98640490893649)),
]
# Zip code → the state whose outline its coordinates must fall in.
KNOWN_ZIPS = {
    "78701": "TX",  # Austin
    "80202": "CO",  # Denver
    "33602": "FL",  # Tampa
    "33131": "FL",  # Miami
    "99501": "AK",  # Anchorage
    "96813": "HI",  # Honolulu
    "04401": "ME",  # Bangor
    "98101": "WA",  # Seattle
    "10001": "NY",  # New York
    "60601": "IL",  # Chicago
    "90012": "CA",  # Los Angeles
    "58501": "ND",  # Bismarck
    "70112": "LA",  # New Orleans
    "02108": "MA",  # Boston
    "85004": "AZ",  # Phoenix
}


def _state(postal: str):
    return next(state for state in us_map().states if state.postal == postal)


def _zip_point(zip_code: str) -> tuple[float, float]:
    entry = zipcodes.matching(zip_code)[0]
    return float(entry["lat"]), float(entry["long"])


@pytest.mark.parametrize(("lat_lon", "expected"), D3_REFERENCE)
def test_projection_matches_d3_geo_albers_usa(lat_lon, expected):
    x, y = project(*lat_lon)
    assert x == pytest.approx(expected[0], abs=1e-6)
    assert y == pytest.approx(expected[1], abs=1e-6)


@pytest.mark.parametrize(("zip_code", "postal"), sorted(KNOWN_ZIPS.items()))
def test_known_zip_codes_land_inside_their_state(zip_code, postal):
    x, y = project(*_zip_point(zip_code))
    shape = _state(postal)
    x0, y0, x1, y1 = bounding_box(shape.d)
    assert x0 <= x <= x1 and y0 <= y <= y1, (zip_code, (x, y), (x0, y0, x1, y1))
    assert contains(shape.d, x, y), f"{zip_code} at {(x, y)} is outside {shape.name}"
    others = [s.postal for s in us_map().states if s.postal != postal and contains(s.d, x, y)]
    assert others == []


def test_central_texas_projects_near_the_middle_of_the_texas_outline():
    x0, y0, x1, y1 = bounding_box(_state("TX").d)
    x, y = project(31.0, -99.5)  # about the geographic centre of Texas
    assert abs(x - (x0 + x1) / 2) < 0.08 * (x1 - x0)
    assert abs(y - (y0 + y1) / 2) < 0.08 * (y1 - y0)


@pytest.mark.parametrize(
    "lat_lon",
    [(18.4654, -66.1044), (-14.2731, -170.7031), (51.5, -0.12), (-33.9, 151.2)],
    ids=["San Juan PR", "Pago Pago AS", "London", "Sydney"],
)
def test_places_no_part_of_the_map_shows_have_no_position(lat_lon):
    assert project(*lat_lon) is None


def test_the_asset_has_every_state_and_dc_inside_the_viewport():
    shapes = us_map()
    assert len(shapes.states) == 51
    assert {s.postal for s in shapes.states} >= {"TX", "CO", "FL", "AK", "HI", "DC"}
    for state in shapes.states:
        assert path_rings(state.d), state.name
        x0, y0, x1, y1 = bounding_box(state.d)
        # Alaska's westernmost Aleutians spill just past the left edge, as in us-atlas itself.
        assert x0 >= -60 and x1 <= shapes.width, state.name
        assert y0 >= 0 and y1 <= shapes.height, state.name
    assert "Census" in shapes.source and "public domain" in shapes.source
