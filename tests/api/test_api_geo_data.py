"""GET /campaigns/{uuid}/geo-data, checked against counts made here in Python."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import zipcodes

from ringtonic.api import reports as api_reports
from ringtonic.extensions import db
from tests.support.call_builders import add_campaign
from tests.support.keys import api_get
from tests.support.report_counts import (
    assert_bad_request,
    counters,
    grouped,
    last_30_days,
    local_days,
    tally,
    within,
)
from tests.support.report_data import NOW, ZONE, build_report_data


@pytest.fixture
def data(app, make_account, monkeypatch):
    """A Chicago workspace full of calls, with the reports' clock stopped at NOW."""
    monkeypatch.setattr(api_reports, "clock", lambda: NOW)
    return build_report_data(make_account)


def country(row: dict) -> str | None:
    return row["caller_country"] or None


def expected_geo(rows: list[dict]) -> dict:
    located = [r for r in rows if r["caller_state"] or r["caller_city"] or r["caller_zip"]]
    return {
        "totals": tally(rows)
        | {
            "calls_without_location": len(rows) - len(located),
            "calls_outside_us": sum(r["caller_country"] not in ("", "US") for r in located),
        },
        "by_state": grouped(
            located, lambda r: r["caller_state"] and (country(r), r["caller_state"])
        ),
        "by_city": grouped(
            located,
            lambda r: (
                r["caller_city"] and (country(r), r["caller_state"] or None, r["caller_city"])
            ),
        ),
        "by_zip": grouped(located, lambda r: r["caller_zip"] and (country(r), r["caller_zip"])),
    }


def answered_geo(body: dict) -> dict:
    def keyed(entries, *names):
        return {tuple(e[n] for n in names): counters(e) for e in entries}

    return {
        # Visits have tests of their own (tests/reporting/test_report_visits.py).
        "totals": {
            k: v
            for k, v in body["totals"].items()
            if not k.startswith(("visit", "calls_per", "calls_from"))
        },
        "by_state": keyed(body["by_state"], "country", "state"),
        "by_city": keyed(body["by_city"], "country", "state", "city"),
        "by_zip": keyed(body["by_zip"], "country", "zip"),
    }


def geo_url(campaign, **query) -> str:
    path = f"/api/v1/campaigns/{campaign.uuid}/geo-data"
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_geo_data_equals_an_independent_count_over_the_last_30_chicago_days(client, data):
    gbp = data.campaigns["GBP"]
    response = api_get(client, geo_url(gbp), data.secret)
    assert response.status_code == 200
    body = response.get_json()
    assert body["campaign"] == {"uuid": str(gbp.uuid), "name": "GBP"}
    assert body["period"] == {
        "start": "2026-10-29T05:00:00Z",
        "end": "2026-11-28T06:00:00Z",
        "start_date": "2026-10-29",
        "end_date": "2026-11-27",
        "time_zone": ZONE,
    }
    rows = within(data.rows, last_30_days(ZONE), campaign=gbp)
    assert len(rows) > 20 and answered_geo(body) == expected_geo(rows)
    for grouping in ("by_state", "by_city", "by_zip"):
        calls = [entry["calls"] for entry in body[grouping]]
        assert calls == sorted(calls, reverse=True)


def test_the_period_starts_at_local_midnight_of_the_zone_asked_for(client, data):
    gbp = data.campaigns["GBP"]
    chicago = api_get(client, geo_url(gbp), data.secret).get_json()
    utc = api_get(client, geo_url(gbp, time_zone="UTC"), data.secret).get_json()
    assert utc["period"]["start"] == "2026-10-29T00:00:00Z"
    assert answered_geo(utc) == expected_geo(within(data.rows, last_30_days("UTC"), campaign=gbp))
    # The 04:59 UTC call was 23:59 on 28 October in Chicago: counted in UTC only.
    edge = datetime(2026, 10, 29, 4, 59, tzinfo=UTC)
    assert any(r["started_at"] == edge for r in data.rows)
    assert utc["totals"]["calls"] != chicago["totals"]["calls"]


@pytest.mark.parametrize(
    ("query", "zone", "bounds", "status"),
    [
        ({"status": "answered"}, ZONE, None, "answered"),
        ({"status": "voicemail"}, ZONE, None, "voicemail"),
        (
            {"start_date": "2026-11-01", "end_date": "2026-11-07"},
            ZONE,
            local_days("2026-11-01", "2026-11-07", ZONE),
            None,
        ),
        (
            {"start_date": "2026-11-01", "end_date": "2026-11-07", "time_zone": "Asia/Kolkata"},
            "Asia/Kolkata",
            local_days("2026-11-01", "2026-11-07", "Asia/Kolkata"),
            None,
        ),
        (
            {"start_date": "2026-10-05T12:00:00Z", "end_date": "2026-10-20T06:30:00-05:00"},
            ZONE,
            (datetime(2026, 10, 5, 12, tzinfo=UTC), datetime(2026, 10, 20, 11, 30, tzinfo=UTC)),
            None,
        ),
        ({"start_date": "2026-10-01", "status": "missed"}, ZONE, None, "missed"),
    ],
)
def test_geo_data_filters_equal_an_independent_count(client, data, query, zone, bounds, status):
    gbp = data.campaigns["GBP"]
    body = api_get(client, geo_url(gbp, **query), data.secret).get_json()
    if bounds is None:
        first = query.get("start_date", "2026-10-29")
        bounds = local_days(first, "2026-11-27", zone)
    filters = {"campaign": gbp} | ({"status": status} if status else {})
    rows = within(data.rows, bounds, **filters)
    assert rows and answered_geo(body) == expected_geo(rows)
    assert body["period"]["time_zone"] == zone


def test_geo_data_coordinates_come_from_the_zip_dataset(client, data):
    body = api_get(
        client, geo_url(data.campaigns["GBP"], start_date="2026-10-01"), data.secret
    ).get_json()
    for entry in body["by_zip"]:
        (known,) = zipcodes.matching(entry["zip"])
        assert (entry["latitude"], entry["longitude"]) == (
            float(known["lat"]),
            float(known["long"]),
        )
    places = {(e["state"], e["city"]): e for e in body["by_city"]}
    assert 30 < places[("TX", "Austin")]["latitude"] < 31
    assert places[("ON", "Toronto")]["latitude"] is None  # not in the US dataset
    assert places[(None, "Springfield")]["longitude"] is None  # no state: which Springfield?


def test_geo_data_of_a_campaign_without_calls_is_empty(client, data):
    body = api_get(client, geo_url(data.campaigns["Mailer"]), data.secret).get_json()
    assert body["totals"]["calls"] == 0 and body["totals"]["average_duration"] == 0
    assert body["by_state"] == body["by_city"] == body["by_zip"] == []


@pytest.mark.parametrize("which", ["unknown", "malformed", "other workspace"])
def test_geo_data_of_a_campaign_the_key_cannot_see_is_not_found(client, data, make_account, which):
    if which == "other workspace":
        _, _, other = make_account(plan="agency")
        campaign_id = str(add_campaign(other, "Theirs").uuid)
        db.session.commit()
    else:
        campaign_id = str(uuid.uuid4()) if which == "unknown" else "not-a-uuid"
    response = api_get(client, f"/api/v1/campaigns/{campaign_id}/geo-data", data.secret)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("time_zone=Mars/Base", "time_zone"),
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-11-10&end_date=2026-11-01", "end_date"),
        ("from=2026-11-01", "from"),
        ("status=answered&status=missed", "status"),
        ("campaign=" + str(uuid.UUID(int=1)), "campaign"),  # the campaign is in the path
    ],
)
def test_geo_data_bad_parameters_name_the_field(client, data, query, field):
    url = f"/api/v1/campaigns/{data.campaigns['GBP'].uuid}/geo-data?{query}"
    assert_bad_request(api_get(client, url, data.secret), field)
