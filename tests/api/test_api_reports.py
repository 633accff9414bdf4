"""Summary and time-series reports, checked against counts made here in Python."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime

import pytest
from sqlalchemy import event

from ringtonic.api import reports as api_reports
from ringtonic.db import engines
from ringtonic.extensions import db
from tests.support.call_builders import add_call, add_campaign
from tests.support.keys import api_get, issue_key
from tests.support.report_counts import (
    assert_bad_request,
    counters,
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
    assert body["group_by"] == group_by and counters(body["totals"]) == tally(rows)
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


def test_timeseries_defaults_to_30_local_days(client, data):
    body = api_get(client, "/api/v1/reports/timeseries", data.secret).get_json()
    assert body["interval"] == "day" and len(body["series"]) == 30
    assert body["series"][0]["local_start"] == "2026-10-29T00:00:00-05:00"
    assert body["series"][-1]["local_start"] == "2026-11-27T00:00:00-06:00"
    assert counters(body["totals"]) == tally(within(data.rows, last_30_days(ZONE)))
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
    assert rows and counters(body["totals"]) == tally(rows)
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


def traced_statements(engine, monkeypatch) -> list[tuple[str, bool]]:
    """Record (SQL, inside a transaction) for every statement the engine's connections run.

    Traced at the driver, below SQLAlchemy, on the connections of the engine's reads pool
    (PostgreSQL) as well as its own.
    """
    seen: list[tuple[str, bool]] = []

    def trace(dbapi_connection, _record) -> None:
        if engine.dialect.name == "postgresql":

            class Traced(type(dbapi_connection.cursor())):
                def execute(self, query, *args, **kwargs):
                    seen.append((str(query), not self.connection.autocommit))
                    return super().execute(query, *args, **kwargs)

            dbapi_connection.cursor_factory = Traced
        else:
            dbapi_connection.set_trace_callback(
                lambda sql: seen.append((sql, dbapi_connection.in_transaction))
            )

    engine.dispose()  # every connection from now on is a new, traced one
    for target in {engine, engines.reads_engine(engine)}:
        event.listen(target, "connect", trace)
    return seen


def test_report_queries_run_outside_any_transaction(client, data, monkeypatch):
    """Reports only read: their statements never sit in a transaction (no BEGIN/ROLLBACK).

    SQLite reads never begin one; on PostgreSQL they run on a connection in autocommit.
    """
    geo = f"/api/v1/campaigns/{data.campaigns['GBP'].uuid}/geo-data"
    db.session.remove()
    seen = traced_statements(db.engine, monkeypatch)
    for path in (
        "/api/v1/reports/summary?group_by=city",
        "/api/v1/reports/timeseries?interval=day",
        geo,
    ):
        assert api_get(client, path, data.secret).status_code == 200
    reports = [(sql, inside) for sql, inside in seen if "_rollups" in sql or "FROM calls" in sql]
    assert len(reports) >= 3, seen
    assert not any(inside for _, inside in reports), reports
