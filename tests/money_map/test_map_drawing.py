"""Shading classes, legend ranges, circle sizes and table order of the Money Map."""

from __future__ import annotations

import csv
import io
import math

import pytest

from ringtonic.services.money_map.drawing import (
    MAX_CIRCLES,
    MAX_RADIUS,
    describe_counts,
    draw_map,
    nice_step,
    shade_for,
)
from ringtonic.services.money_map.tables import place_rows, places_csv, safe_cell, sort_rows


def _counters(calls, answered=0, missed=0, first=0, average=0.0):
    return {
        "calls": calls,
        "answered": answered,
        "missed": missed,
        "first_time_callers": first,
        "average_duration": average,
    }


def _geo(by_state=(), by_city=(), by_zip=()):
    return {"by_state": list(by_state), "by_city": list(by_city), "by_zip": list(by_zip)}


def _state(code, calls, country="US", **more):
    return {"country": country, "state": code, "latitude": None, "longitude": None} | _counters(
        calls, **more
    )


def _city(city, state, calls, lat, lon, country="US"):
    return {
        "country": country,
        "state": state,
        "city": city,
        "latitude": lat,
        "longitude": lon,
    } | _counters(calls)


@pytest.mark.parametrize(
    ("largest", "step"), [(1, 1), (3, 1), (7, 2), (12, 5), (101, 50), (412, 100), (4999, 1000)]
)
def test_class_width_is_a_round_number_covering_the_largest_count_in_five(largest, step):
    assert nice_step(largest) == step
    assert math.ceil(largest / step) <= 5


def test_states_are_shaded_light_to_dark_and_zero_is_neutral():
    geo = _geo([_state("TX", 412), _state("CO", 150), _state("FL", 1)])
    drawing = draw_map(geo, "city")
    shades = {s.postal: s.shade for s in drawing.states}
    assert shades["TX"] == 5 and shades["CO"] == 2 and shades["FL"] == 1
    assert shades["VT"] == 0
    assert [(step.shade, step.label) for step in drawing.legend] == [
        (0, "0"),
        (1, "1–100"),
        (2, "101–200"),
        (3, "201–300"),
        (4, "301–400"),
        (5, "401–500"),
    ]


def test_few_classes_still_span_the_colour_scale():
    assert [shade_for(calls, 1, 2) for calls in (0, 1, 2)] == [0, 1, 5]
    drawing = draw_map(_geo([_state("TX", 2), _state("CO", 1)]), "city")
    assert [step.label for step in drawing.legend] == ["0", "1", "2"]


def test_state_counts_add_up_us_and_unknown_country_and_ignore_foreign_codes():
    geo = _geo([_state("TX", 3), _state("TX", 2, country=""), _state("WA", 4, country="CA")])
    states = {s.postal: s for s in draw_map(geo, "city").states}
    assert states["TX"].calls == 5
    assert states["WA"].calls == 0  # "WA" from Canada is not Washington


def test_us_places_without_a_shape_are_counted_apart():
    drawing = draw_map(_geo([_state("TX", 3), _state("PR", 4), _state("GU", 1)]), "city")
    assert drawing.unmapped_states == {"GU": 1, "PR": 4}
    assert sum(s.calls for s in drawing.states) == 3


def test_hover_text_names_the_place_and_its_counts():
    assert (
        describe_counts("Texas", _counters(412, 300, 90, 120))
        == "Texas — 412 calls, 300 answered, 90 missed, 120 first-time"
    )
    assert describe_counts("Vermont", {"calls": 0}) == "Vermont — no calls"
    assert describe_counts("Austin, TX", _counters(1, 1)).startswith("Austin, TX — 1 call,")


def test_circle_area_is_proportional_to_calls_and_unplaceable_places_are_skipped():
    geo = _geo(
        by_city=[
            _city("Austin", "TX", 100, 30.3, -97.77),
            _city("Denver", "CO", 25, 39.74, -104.98),
            _city("San Juan", "PR", 9, 18.47, -66.1),  # outside every part of the map
            _city("Nowhere", "TX", 5, None, None),
            _city("Toronto", "ON", 7, 43.65, -79.38, country="CA"),
        ]
    )
    circles = draw_map(geo, "city").circles
    assert [c.calls for c in circles] == [100, 25]
    assert circles[0].r == MAX_RADIUS
    assert circles[0].r / circles[1].r == pytest.approx(2, abs=0.01)  # 4× calls, 2× radius
    assert circles[0].title.startswith("Austin, TX — 100 calls")


def test_circles_are_capped_with_the_rest_counted():
    cities = [_city(f"Town {n}", "TX", 1, 30 + n / 1000, -97) for n in range(MAX_CIRCLES + 7)]
    drawing = draw_map(_geo(by_city=cities), "city")
    assert len(drawing.circles) == MAX_CIRCLES
    assert drawing.circles_left_out == 7


def test_zip_circles_are_labelled_with_their_city():
    zips = [{**_city("Austin", "TX", 3, 30.27, -97.74), "zip": "78701"}]
    circle = draw_map(_geo(by_zip=zips), "zip").circles[0]
    assert circle.title.startswith("78701 · Austin, TX — 3 calls")


def test_tables_sort_by_any_column_and_keep_geo_order_on_ties():
    geo = _geo(
        [
            _state("TX", 5, answered=1),
            _state("CO", 3, answered=3),
            _state("FL", 3, answered=2),
            _state("ON", 1, country="CA"),
        ]
    )
    rows = place_rows(geo, "state")
    assert [r.name for r in rows] == ["Texas", "Colorado", "Florida", "ON (CA)"]
    assert [r.name for r in sort_rows(rows, "calls", "asc")] == [
        "ON (CA)",
        "Colorado",
        "Florida",
        "Texas",
    ]
    assert [r.name for r in sort_rows(rows, "answered", "desc")][:2] == ["Colorado", "Florida"]
    assert [r.name for r in sort_rows(rows, "name", "asc")] == [
        "Colorado",
        "Florida",
        "ON (CA)",
        "Texas",
    ]


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(text):
    assert safe_cell(text) == "'" + text


def test_csv_keeps_numbers_as_numbers_and_quotes_hostile_place_names():
    geo = _geo(by_city=[_city("=cmd|' /C calc'!A0", "TX", 2, 30.3, -97.77)])
    header, row = csv.reader(io.StringIO(places_csv(place_rows(geo, "city"), "city")))
    assert header[:4] == ["city", "state", "country", "calls"]
    assert row[:4] == ["'=cmd|' /C calc'!A0", "TX", "US", "2"]
    assert row[-2:] == ["30.3", "-97.77"]
