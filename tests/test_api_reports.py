"""Geo-data, summary and time-series endpoints, checked against counts made here in Python."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import zipcodes

from ringtonic.api import reports as api_reports
from ringtonic.extensions import db
from tests.call_builders import add_call, add_campaign
from tests.keys import api_get, issue_key
from tests.report_data import NOW, ZONE, build_report_data

MISSED = {"missed", "busy", "failed", "voicemail"}


@pytest.fixture
def data(app, make_account, monkeypatch):
    monkeypatch.setattr(api_reports, "clock", lambda: NOW)
    return build_report_data(make_account)


# --- the independent count -------------------------------------------------------------


def tally(rows: list[dict]) -> dict:
    """Count rows the way the API documents its counters."""
    calls = len(rows)
    duration = sum(r["duration_seconds"] for r in rows)
    return {
        "calls": calls,
        "answered": sum(r["status"] == "answered" for r in rows),
        "missed": sum(r["status"] in MISSED for r in rows),
        "first_time_callers": sum(bool(r["first_call"]) for r in rows),
        "average_duration": round(duration / calls, 1) if calls else 0.0,
    }


def local_days(first: str, last: str, zone: str) -> tuple[datetime, datetime]:
    """Return the UTC bounds of local days first..last (inclusive) in `zone`."""
    tz = ZoneInfo(zone)
    start = datetime.combine(date.fromisoformat(first), time(), tz)
    end = datetime.combine(date.fromisoformat(last) + timedelta(days=1), time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_30_days(zone: str) -> tuple[datetime, datetime]:
    today = NOW.astimezone(ZoneInfo(zone)).date()
    return local_days(str(today - timedelta(days=29)), str(today), zone)


def within(rows: list[dict], bounds: tuple[datetime, datetime], **equal) -> list[dict]:
    start, end = bounds
    return [
        r
        for r in rows
        if start <= r["started_at"] < end and all(r[k] == v for k, v in equal.items())
    ]


def grouped(rows: list[dict], key) -> dict:
    groups: dict = defaultdict(list)
    for row in rows:
        k = key(row)
        if k:  # rows without that place are not grouped
            groups[k].append(row)
    return {k: tally(v) for k, v in groups.items()}


def counters(entry: dict) -> dict:
    names = ("calls", "answered", "missed", "first_time_callers", "average_duration")
    return {name: entry[name] for name in names}


def expected_geo(rows: list[dict]) -> dict:
    located = [r for r in rows if r["caller_state"] or r["caller_city"] or r["caller_zip"]]
    country = lambda r: r["caller_country"] or None  # noqa: E731
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
        "totals": body["totals"],
        "by_state": keyed(body["by_state"], "country", "state"),
        "by_city": keyed(body["by_city"], "country", "state", "city"),
        "by_zip": keyed(body["by_zip"], "country", "zip"),
    }


def assert_bad_request(response, field: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert (body["code"], body["field"]) == ("validation_error", field)


# --- geo-data ---------------------------------------------------------------------------


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


# --- summary ----------------------------------------------------------------------------

GROUP_KEYS = {
    "source": (lambda r: r["source"] or None, lambda g: g["source"]),
    "medium": (lambda r: r["medium"] or None, lambda g: g["medium"]),
    "campaign": (
        lambda r: str(r["campaign"].uuid) if r["campaign"] else None,
        lambda g: g["campaign"] and g["campaign"]["uuid"],
    ),
    "tracking_number": (
        lambda r: (
            (str(r["number"].uuid), r["number"].number)
            if r["number"]
            else (None, r["tracking_number"])
        ),
        lambda g: (g["tracking_number"]["uuid"], g["tracking_number"]["number"]),
    ),
    "state": (
        lambda r: (r["caller_country"] or None, r["caller_state"] or None),
        lambda g: (g["country"], g["state"]),
    ),
    "city": (
        lambda r: (
            r["caller_country"] or None,
            r["caller_state"] or None,
            r["caller_city"] or None,
        ),
        lambda g: (g["country"], g["state"], g["city"]),
    ),
}


def summary_by_key(body: dict, group_by: str) -> dict:
    key = GROUP_KEYS[group_by][1]
    return {key(g): counters(g) for g in body["groups"]}


def expected_summary(rows: list[dict], group_by: str) -> dict:
    key = GROUP_KEYS[group_by][0]
    groups: dict = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return {k: tally(v) for k, v in groups.items()}


@pytest.mark.parametrize("group_by", list(GROUP_KEYS))
def test_summary_groups_equal_an_independent_count(client, data, group_by):
    response = api_get(client, f"/api/v1/reports/summary?group_by={group_by}", data.secret)
    assert response.status_code == 200
    body = response.get_json()
    rows = within(data.rows, last_30_days(ZONE))
    assert body["group_by"] == group_by and body["totals"] == tally(rows)
    assert summary_by_key(body, group_by) == expected_summary(rows, group_by)
    calls = [g["calls"] for g in body["groups"]]
    assert calls == sorted(calls, reverse=True)


def test_summary_filters_by_campaign_status_and_period(client, data):
    ads = data.campaigns["Ads"]
    url = (
        f"/api/v1/reports/summary?group_by=state&campaign={ads.uuid}&status=answered"
        "&start_date=2026-10-10&end_date=2026-11-20&time_zone=America/New_York"
    )
    body = api_get(client, url, data.secret).get_json()
    rows = within(
        data.rows,
        local_days("2026-10-10", "2026-11-20", "America/New_York"),
        campaign=ads,
        status="answered",
    )
    assert rows and summary_by_key(body, "state") == expected_summary(rows, "state")
    assert body["period"]["time_zone"] == "America/New_York"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "group_by"),
        ("group_by=weather", "group_by"),
        ("group_by=source&campaign=nope", "campaign"),
        ("group_by=source&campaign=" + str(uuid.UUID(int=7)), "campaign"),
        ("group_by=source&interval=day", "interval"),
    ],
)
def test_summary_bad_parameters_name_the_field(client, data, query, field):
    assert_bad_request(api_get(client, f"/api/v1/reports/summary?{query}", data.secret), field)


def test_a_report_never_uses_another_workspaces_campaign(client, data, make_account):
    _, _, other = make_account(plan="agency")
    theirs = add_campaign(other, "Theirs")
    db.session.commit()
    url = f"/api/v1/reports/summary?group_by=source&campaign={theirs.uuid}"
    assert_bad_request(api_get(client, url, data.secret), "campaign")


# --- time series ------------------------------------------------------------------------


def test_timeseries_defaults_to_30_local_days(client, data):
    body = api_get(client, "/api/v1/reports/timeseries", data.secret).get_json()
    assert body["interval"] == "day" and len(body["series"]) == 30
    assert body["series"][0]["local_start"] == "2026-10-29T00:00:00-05:00"
    assert body["series"][-1]["local_start"] == "2026-11-27T00:00:00-06:00"
    assert body["totals"] == tally(within(data.rows, last_30_days(ZONE)))
    for bucket in body["series"]:
        day = bucket["local_start"][:10]
        assert counters(bucket) == tally(within(data.rows, local_days(day, day, ZONE)))


@pytest.mark.parametrize("interval", ["week", "month"])
def test_timeseries_weeks_and_months_with_filters(client, data, interval):
    gbp = data.campaigns["GBP"]
    url = (
        f"/api/v1/reports/timeseries?interval={interval}&campaign={gbp.uuid}&status=missed"
        "&start_date=2026-10-01&end_date=2026-11-27"
    )
    body = api_get(client, url, data.secret).get_json()
    rows = within(data.rows, local_days("2026-10-01", "2026-11-27", ZONE), campaign=gbp)
    rows = [r for r in rows if r["status"] == "missed"]
    assert rows and body["totals"] == tally(rows)
    starts = [b["local_start"][:10] for b in body["series"]]
    if interval == "week":
        assert starts[0] == "2026-10-01"  # cut to the period
        assert all(date.fromisoformat(s).weekday() == 0 for s in starts[1:])
    else:
        assert starts == ["2026-10-01", "2026-11-01"]
    for bucket in body["series"]:
        bounds = (
            datetime.fromisoformat(bucket["start"]),
            datetime.fromisoformat(bucket["end"]),
        )
        assert counters(bucket) == tally(
            [r for r in rows if bounds[0] <= r["started_at"] < bounds[1]]
        )


@pytest.fixture
def new_york(app, make_account, monkeypatch):
    """A New York workspace with calls around both 2026 clock changes."""
    monkeypatch.setattr(api_reports, "clock", lambda: NOW)
    _, user, workspace = make_account(plan="agency")
    workspace.time_zone = "America/New_York"
    for started in (
        "2026-03-08T06:30:00Z",  # 01:30 EST, 8 March, just before clocks go forward
        "2026-03-08T07:30:00Z",  # 03:30 EDT, the next hour that exists
        "2026-11-01T04:30:00Z",  # 00:30 EDT, 1 November
        "2026-11-01T05:30:00Z",  # 01:30 EDT
        "2026-11-01T06:30:00Z",  # 01:30 EST: the same wall time an hour later
        "2026-11-02T04:30:00Z",  # 23:30 EST, 1 November: the 25th hour
        "2026-11-02T05:30:00Z",  # 00:30 EST, 2 November
    ):
        add_call(workspace, started)
    db.session.commit()
    return issue_key(workspace, user)


def test_timeseries_days_follow_new_york_across_the_autumn_clock_change(client, new_york):
    url = "/api/v1/reports/timeseries?interval=day&start_date=2026-10-31&end_date=2026-11-02"
    body = api_get(client, url, new_york).get_json()
    assert body["period"]["time_zone"] == "America/New_York"  # the workspace's zone
    assert [(b["local_start"], b["start"], b["end"], b["calls"]) for b in body["series"]] == [
        ("2026-10-31T00:00:00-04:00", "2026-10-31T04:00:00Z", "2026-11-01T04:00:00Z", 0),
        ("2026-11-01T00:00:00-04:00", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 4),
        ("2026-11-02T00:00:00-05:00", "2026-11-02T05:00:00Z", "2026-11-03T05:00:00Z", 1),
    ]


def test_timeseries_hours_of_the_25_and_23_hour_days(client, new_york):
    autumn = api_get(
        client,
        "/api/v1/reports/timeseries?interval=hour&start_date=2026-11-01&end_date=2026-11-01",
        new_york,
    ).get_json()["series"]
    assert len(autumn) == 25
    one_am = [b for b in autumn if b["local_start"][11:13] == "01"]
    assert [(b["local_start"][19:], b["calls"]) for b in one_am] == [("-04:00", 1), ("-05:00", 1)]
    assert sum(b["calls"] for b in autumn) == 4
    spring = api_get(
        client,
        "/api/v1/reports/timeseries?interval=hour&start_date=2026-03-08&end_date=2026-03-08",
        new_york,
    ).get_json()["series"]
    assert len(spring) == 23
    assert [b["local_start"][11:16] for b in spring if b["calls"]] == ["01:00", "03:00"]


def test_timeseries_in_a_zone_the_request_names(client, new_york):
    url = (
        "/api/v1/reports/timeseries?interval=day&time_zone=UTC"
        "&start_date=2026-11-01&end_date=2026-11-02"
    )
    series = api_get(client, url, new_york).get_json()["series"]
    assert [(b["local_start"], b["calls"]) for b in series] == [
        ("2026-11-01T00:00:00+00:00", 3),
        ("2026-11-02T00:00:00+00:00", 2),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("interval=fortnight", "interval"),
        ("interval=hour&start_date=2020-01-01&end_date=2026-01-01", "interval"),
        ("group_by=source", "group_by"),
        ("end_date=2026-13-01", "end_date"),
    ],
)
def test_timeseries_bad_parameters_name_the_field(client, data, query, field):
    url = f"/api/v1/reports/timeseries?{query}"
    assert_bad_request(api_get(client, url, data.secret), field)


@pytest.mark.parametrize(
    "path", ["/reports/summary?group_by=source", "/reports/timeseries", "/campaigns/{}/geo-data"]
)
def test_report_endpoints_need_a_key(client, data, path):
    response = client.get("/api/v1" + path.format(data.campaigns["GBP"].uuid))
    assert response.status_code == 401
    assert response.get_json()["code"] == "missing_api_key"
