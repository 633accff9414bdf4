"""Periods, geo-data and reports computed from calls, checked against hand counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ringtonic.extensions import db
from ringtonic.services.errors import ValidationError
from ringtonic.services.reporting.geo import geo_data
from ringtonic.services.reporting.periods import last_days, resolve_period
from ringtonic.services.reporting.reports import summary_report, timeseries_report
from tests.support.call_builders import add_call, add_campaign, add_number

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_default_period_is_the_last_30_local_days():
    period = resolve_period(None, None, "America/New_York", NOW)
    assert period.as_dict() == {
        "start": "2026-10-29T04:00:00Z",
        "end": "2026-11-28T05:00:00Z",
        "start_date": "2026-10-29",
        "end_date": "2026-11-27",
        "time_zone": "America/New_York",
    }


def test_dates_name_whole_local_days_and_datetimes_are_instants():
    period = resolve_period("2026-03-08", "2026-03-08", "America/Chicago", NOW)
    assert (period.end - period.start).total_seconds() == 23 * 3600  # spring forward
    exact = resolve_period("2026-01-01T10:00:00Z", "2026-01-01T12:30:00+01:00", "UTC", NOW)
    assert exact.as_dict()["start"] == "2026-01-01T10:00:00Z"
    assert exact.as_dict()["end"] == "2026-01-01T11:30:00Z"


@pytest.mark.parametrize(
    ("start", "end", "zone", "field"),
    [
        ("2026-13-01", None, "UTC", "start_date"),
        ("yesterday", None, "UTC", "start_date"),
        (None, "2026-02-30", "UTC", "end_date"),
        ("2026-05-02", "2026-05-01", "UTC", "end_date"),
        (None, None, "Mars/Base", "time_zone"),
        ("1999-12-31", None, "UTC", "start_date"),
        # The zone is checked before either date.
        ("yesterday", "2026-02-30", "Mars/Base", "time_zone"),
        ("yesterday", "2026-02-30", "UTC", "end_date"),
    ],
)
def test_bad_periods_name_the_field(start, end, zone, field):
    with pytest.raises(ValidationError) as error:
        resolve_period(start, end, zone, NOW)
    assert error.value.field == field


# Zones whose local midnight is skipped or repeated on some days (DST changes at midnight),
# an offset of 12:45 and a half-hour DST shift.
AWKWARD_ZONES = (
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "Asia/Beirut",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
)


@pytest.mark.parametrize("zone", AWKWARD_ZONES)
def test_a_missing_end_is_the_last_30_local_days_end_on_every_day_of_the_year(zone):
    for hours in range(0, 366 * 24, 7):
        now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hours)
        recent = last_days(zone, now)
        assert resolve_period(None, None, zone, now) == recent
        started = resolve_period("2025-12-01", None, zone, now)
        assert started.end == recent.end
        assert started.time_zone == zone


@pytest.fixture
def geo_fixture(app, make_account):
    _, _, workspace = make_account()
    gbp = add_campaign(workspace, "GBP")
    ads = add_campaign(workspace, "Ads")
    number = add_number(workspace, gbp, "+15125550111")
    austin = {
        "caller_city": "Austin",
        "caller_state": "TX",
        "caller_zip": "78701",
        "caller_country": "US",
    }
    rows = [
        (
            "2026-11-20T15:00:00Z",
            austin | {"status": "answered", "duration_seconds": 120, "first_call": True},
        ),
        ("2026-11-21T15:00:00Z", austin | {"status": "missed", "duration_seconds": 0}),
        (
            "2026-11-21T16:00:00Z",
            austin
            | {
                "caller_zip": "78704",
                "status": "voicemail",
                "duration_seconds": 30,
                "first_call": True,
            },
        ),
        (
            "2026-11-22T16:00:00Z",
            {
                "caller_city": "Round Rock",
                "caller_state": "TX",
                "caller_zip": "78664",
                "caller_country": "US",
                "status": "answered",
                "duration_seconds": 300,
            },
        ),
        (
            "2026-11-23T16:00:00Z",
            {
                "caller_city": "Denver",
                "caller_state": "CO",
                "caller_zip": "80202",
                "caller_country": "US",
                "status": "busy",
                "duration_seconds": 0,
            },
        ),
        (
            "2026-11-23T17:00:00Z",
            {
                "caller_city": "Toronto",
                "caller_state": "ON",
                "caller_country": "CA",
                "status": "answered",
                "duration_seconds": 90,
            },
        ),
        ("2026-11-24T17:00:00Z", {"status": "answered", "duration_seconds": 10}),
        # Outside the default 30-day window, and another campaign: never counted below.
        ("2026-09-01T17:00:00Z", austin),
    ]
    for started, fields in rows:
        add_call(workspace, started, campaign=gbp, number=number, **fields)
    add_call(workspace, "2026-11-24T17:00:00Z", campaign=ads, **austin)
    db.session.commit()
    return workspace, gbp


def test_geo_data_groups_by_state_city_and_zip(geo_fixture):
    workspace, gbp = geo_fixture
    period = resolve_period(None, None, "America/Chicago", NOW)
    result = geo_data(workspace, period, campaign=gbp)
    assert result["totals"] == {
        "calls": 7,
        "answered": 4,
        "missed": 3,
        "first_time_callers": 2,
        "average_duration": round(550 / 7, 1),
        "calls_without_location": 1,
        "calls_outside_us": 1,
        "visits": 0,
        "visitors": 0,
        "calls_from_visits": 0,
        "calls_per_visit": None,
        "visits_without_location": 0,
    }
    assert [(s["state"], s["calls"]) for s in result["by_state"]] == [
        ("TX", 4),
        ("CO", 1),
        ("ON", 1),
    ]
    texas = result["by_state"][0]
    assert (texas["answered"], texas["missed"], texas["first_time_callers"]) == (2, 2, 2)
    assert texas["average_duration"] == 112.5
    assert 25 < texas["latitude"] < 37 and -107 < texas["longitude"] < -93
    assert result["by_state"][2]["latitude"] is None  # Ontario: no US coordinates
    assert [(c["city"], c["calls"]) for c in result["by_city"]] == [
        ("Austin", 3),
        ("Denver", 1),
        ("Round Rock", 1),
        ("Toronto", 1),
    ]
    by_zip = {z["zip"]: z for z in result["by_zip"]}
    assert set(by_zip) == {"78701", "78704", "78664", "80202"}
    assert by_zip["78701"]["calls"] == 2 and by_zip["78701"]["city"] == "Austin"
    assert by_zip["78701"]["latitude"] == pytest.approx(30.27, abs=0.05)


def test_geo_data_status_filter_and_whole_workspace(geo_fixture):
    workspace, gbp = geo_fixture
    period = resolve_period(None, None, "UTC", NOW)
    assert geo_data(workspace, period, campaign=gbp, status="answered")["totals"]["calls"] == 4
    assert geo_data(workspace, period)["totals"]["calls"] == 8


def test_summary_report_by_campaign_and_state(geo_fixture):
    workspace, gbp = geo_fixture
    period = resolve_period(None, None, "UTC", NOW)
    by_campaign = summary_report(workspace, period, "campaign")
    assert [(g["campaign"]["name"], g["calls"]) for g in by_campaign["groups"]] == [
        ("GBP", 7),
        ("Ads", 1),
    ]
    by_state = summary_report(workspace, period, "state", campaign=gbp)
    assert by_state["groups"][0] == {
        "country": "US",
        "state": "TX",
        "calls": 4,
        "answered": 2,
        "missed": 2,
        "first_time_callers": 2,
        "average_duration": 112.5,
        "visits": 0,
        "visitors": 0,
        "calls_from_visits": 0,
        "calls_per_visit": None,
    }
    by_number = summary_report(workspace, period, "tracking_number")
    assert by_number["groups"][0]["tracking_number"]["number"] == "+15125550111"
    with pytest.raises(ValidationError):
        summary_report(workspace, period, "weather")


def test_timeseries_days_across_a_dst_change(app, make_account):
    _, _, workspace = make_account()
    # Fall back in New York on 2026-11-01: that local day is 25 hours long.
    for started in (
        "2026-11-01T04:30:00Z",  # 00:30 EDT, Nov 1
        "2026-11-02T04:30:00Z",  # 23:30 EST, Nov 1 (the 25th hour)
        "2026-11-02T05:30:00Z",  # 00:30 EST, Nov 2
        "2026-10-31T03:59:00Z",
    ):  # 23:59 EDT, Oct 30: outside the period
        add_call(workspace, started)
    db.session.commit()
    period = resolve_period("2026-10-31", "2026-11-02", "America/New_York", NOW)
    result = timeseries_report(workspace, period, "day")
    assert [(b["local_start"][:10], b["calls"]) for b in result["series"]] == [
        ("2026-10-31", 0),
        ("2026-11-01", 2),
        ("2026-11-02", 1),
    ]
    assert result["series"][1]["start"] == "2026-11-01T04:00:00Z"
    assert result["series"][1]["end"] == "2026-11-02T05:00:00Z"
    hours = timeseries_report(
        workspace, resolve_period("2026-11-01", "2026-11-01", "America/New_York", NOW), "hour"
    )
    assert len(hours["series"]) == 25
    assert sum(b["calls"] for b in hours["series"]) == 2


def test_timeseries_half_hour_zone_weeks_and_months(app, make_account):
    _, _, workspace = make_account()
    add_call(workspace, "2026-06-30T18:29:00Z")  # 23:59 June 30 in Kolkata (+05:30)
    add_call(workspace, "2026-06-30T18:30:00Z")  # 00:00 July 1 in Kolkata
    db.session.commit()
    period = resolve_period("2026-06-01", "2026-07-31", "Asia/Kolkata", NOW)
    months = timeseries_report(workspace, period, "month")["series"]
    assert [(m["local_start"][:7], m["calls"]) for m in months] == [("2026-06", 1), ("2026-07", 1)]
    weeks = timeseries_report(workspace, period, "week")["series"]
    assert weeks[0]["local_start"][:10] == "2026-06-01"  # a Monday
    assert sum(w["calls"] for w in weeks) == 2


def test_timeseries_refuses_too_many_buckets(app, make_account):
    _, _, workspace = make_account()
    period = resolve_period("2020-01-01", "2026-01-01", "UTC", NOW)
    with pytest.raises(ValidationError) as error:
        timeseries_report(workspace, period, "hour")
    assert error.value.field == "interval"
