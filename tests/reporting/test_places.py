"""Coordinates of zip codes, cities and states: looked up one at a time, junk refused."""

from __future__ import annotations

import pytest
import zipcodes

from ringtonic.services.money_map import geocoding as places
from ringtonic.services.money_map.geocoding import city_location, state_location, zip_location


@pytest.fixture(autouse=True)
def never_the_whole_dataset(monkeypatch):
    """Reading all 42,000 zip codes into dicts is what these lookups exist to avoid."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("zipcodes.list_all() was called")

    monkeypatch.setattr(zipcodes, "list_all", refuse)
    places._zips_starting.cache_clear()
    places._state_places.cache_clear()


def test_a_zip_code_is_where_the_dataset_puts_it():
    (entry,) = zipcodes.matching("78701")
    expected = (float(entry["lat"]), float(entry["long"]))

    for written in ("78701", " 78701 ", "78701-1234"):
        point = zip_location(written)
        assert (point.latitude, point.longitude) == expected


def test_city_and_state_centres_come_from_their_street_zip_codes():
    austin = city_location("austin", "tx")
    texas = state_location(" TX ")

    assert 30.1 < austin.latitude < 30.5 and -97.9 < austin.longitude < -97.6
    assert 29.0 < texas.latitude < 33.0 and -100.0 < texas.longitude < -95.0
    assert city_location("Austin", "TX") == austin


@pytest.mark.parametrize(
    "zip_code", ["7870", "abcde", "7870\uff11", "\uff17\uff18\uff17\uff10\uff11"]
)
def test_malformed_zip_codes_are_unknown_not_errors(zip_code):
    # The dataset's own parser panics on non-ASCII input: it must never get there.
    assert zip_location(zip_code) is None


@pytest.mark.parametrize("state", ["XX", "Texas", "\uff34\uff38", "T", ""])
def test_unknown_states_have_no_centre_and_no_cities(state):
    assert state_location(state) is None
    assert city_location("Austin", state) is None


def test_places_outside_the_us_are_not_looked_up():
    assert zip_location("78701", "MX") is None
    assert city_location("Austin", "TX", "CA") is None
    assert state_location("TX", "GB") is None
