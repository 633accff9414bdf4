"""Website visits in the reports API (summary, time series, geo-data), against Python counts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import update

from ringtonic.api import reports as api_reports
from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.models.website import VisitorSession
from tests.support.keys import api_get
from tests.support.report_counts import last_30_days, local_days, within
from tests.support.report_data import NOW, ZONE, build_report_data
from tests.support.report_visits import add_visits
from tests.support.web_client import sign_in


@pytest.fixture
def data(app, make_account, monkeypatch):
    """The report workspace's calls, plus visits by returning and new visitors."""
    monkeypatch.setattr(api_reports, "clock", lambda: NOW)
    return add_visits(build_report_data(make_account))


def visit_tally(visits: list[dict], calls: int) -> dict:
    return {
        "visits": len(visits),
        "visitors": len({v["visitor_id"] for v in visits}),
        "calls_from_visits": sum(v["calls_from_visits"] for v in visits),
        "calls_per_visit": round(calls / len(visits), 4) if visits else None,
    }


def visit_fields(entry: dict) -> dict:
    names = ("visits", "visitors", "calls_from_visits", "calls_per_visit")
    return {name: entry[name] for name in names}


def by(rows: list[dict], key) -> dict:
    groups: dict = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


VISIT_KEYS = {
    "source": (lambda v: v["source"] or None, lambda c: c["source"] or None, "source"),
    "campaign": (
        lambda v: str(v["campaign"].uuid) if v["campaign"] else None,
        lambda c: str(c["campaign"].uuid) if c["campaign"] else None,
        "campaign",
    ),
    "state": (
        lambda v: (v["country"] or None, v["state"] or None),
        lambda c: (c["caller_country"] or None, c["caller_state"] or None),
        "state",
    ),
}


def _group_key(group_by: str, group: dict):
    if group_by == "state":
        return (group["country"], group["state"])
    value = group[group_by]
    return value["uuid"] if group_by == "campaign" and value else value


@pytest.mark.parametrize("group_by", list(VISIT_KEYS))
def test_summary_groups_carry_their_visits_visitors_and_calls_per_visit(client, data, group_by):
    body = api_get(client, f"/api/v1/reports/summary?group_by={group_by}", data.secret).get_json()
    period = last_30_days(ZONE)
    visits, calls = within(data.visits, period), within(data.rows, period)
    assert visit_fields(body["totals"]) == visit_tally(visits, len(calls))
    visit_key, call_key, _ = VISIT_KEYS[group_by]
    visit_groups, call_groups = by(visits, visit_key), by(calls, call_key)
    got = {}
    for group in body["groups"]:
        got[_group_key(group_by, group)] = visit_fields(group)
    expected = {
        key: visit_tally(visit_groups.get(key, []), len(call_groups.get(key, [])))
        for key in {*visit_groups, *call_groups}
    }
    assert got == expected
    # A source only visitors came from is listed, with no calls.
    if group_by == "source":
        direct = next(g for g in body["groups"] if g["source"] == "(direct)")
        assert direct["calls"] == 0 and direct["visits"] > 0


def test_summary_by_tracking_number_counts_the_visits_shown_each_number(client, data):
    url = "/api/v1/reports/summary?group_by=tracking_number"
    body = api_get(client, url, data.secret).get_json()
    visits = within(data.visits, last_30_days(ZONE))
    for number in data.numbers[:2]:
        group = next(g for g in body["groups"] if g["tracking_number"]["uuid"] == str(number.uuid))
        assert group["visits"] == sum(v["number"] is number for v in visits)
    shown_none = next(g for g in body["groups"] if g["tracking_number"]["number"] is None)
    assert (shown_none["calls"], shown_none["visits"]) == (
        0,
        sum(v["number"] is None for v in visits),
    )


def test_summary_visits_follow_the_campaign_filter(client, data):
    ads = data.campaigns["Ads"]
    url = f"/api/v1/reports/summary?group_by=source&campaign={ads.uuid}&status=answered"
    body = api_get(client, url, data.secret).get_json()
    period = last_30_days(ZONE)
    visits = within(data.visits, period, campaign=ads)
    calls = within(data.rows, period, campaign=ads, status="answered")
    assert visit_fields(body["totals"]) == visit_tally(visits, len(calls))


@pytest.mark.parametrize("interval", ["day", "week"])
def test_timeseries_buckets_carry_their_visits(client, data, interval):
    url = (
        f"/api/v1/reports/timeseries?interval={interval}&start_date=2026-10-01&end_date=2026-11-27"
    )
    body = api_get(client, url, data.secret).get_json()
    for bucket in body["series"]:
        bounds = (datetime.fromisoformat(bucket["start"]), datetime.fromisoformat(bucket["end"]))
        assert visit_fields(bucket) == visit_tally(
            within(data.visits, bounds), len(within(data.rows, bounds))
        )
    period = local_days("2026-10-01", "2026-11-27", ZONE)
    visits = within(data.visits, period)
    assert visit_fields(body["totals"]) == visit_tally(visits, len(within(data.rows, period)))
    # Visitors who came back on another day count once in the totals.
    assert body["totals"]["visitors"] < sum(b["visitors"] for b in body["series"])


def test_geo_data_places_visitors_by_state_and_city(client, data):
    ads = data.campaigns["Ads"]
    body = api_get(client, f"/api/v1/campaigns/{ads.uuid}/geo-data", data.secret).get_json()
    period = last_30_days(ZONE)
    visits = within(data.visits, period, campaign=ads)
    calls = within(data.rows, period, campaign=ads)
    totals = body["totals"]
    assert visit_fields(totals) == visit_tally(visits, len(calls))
    assert totals["visits_without_location"] == sum(not v["state"] for v in visits)
    for state, members in by(visits, lambda v: v["state"]).items():
        if not state:
            continue
        entry = next(e for e in body["by_state"] if (e["country"], e["state"]) == ("US", state))
        assert (entry["visits"], entry["visitors"]) == (
            len(members),
            len({v["visitor_id"] for v in members}),
        )
    # Bozeman: visitors came, nobody called; the map still has the place, with coordinates.
    bozeman = next(e for e in body["by_city"] if e["city"] == "Bozeman")
    assert bozeman["calls"] == 0 and bozeman["visits"] > 0 and bozeman["latitude"] is not None
    assert bozeman["calls_per_visit"] == 0
    # ...yet its visitors called: calls from visits follow the visit's place, not the caller's.
    from_bozeman = [v for v in visits if v["city"] == "Bozeman"]
    assert bozeman["calls_from_visits"] == sum(v["calls_from_visits"] for v in from_bozeman) > 0
    for entry in body["by_city"]:
        members = [v for v in visits if (v["city"], v["state"]) == (entry["city"], entry["state"])]
        assert entry["calls_from_visits"] == sum(v["calls_from_visits"] for v in members)
    assert all("visits" not in e for e in body["by_zip"])


def test_the_money_map_of_callers_leaves_out_places_only_visitors_came_from(client, data):
    sign_in(client, data.user.email)
    page = client.get("/map?start_date=2026-10-01&end_date=2026-11-27&table=city")
    assert page.status_code == 200
    assert "Bozeman" not in page.get_data(as_text=True)
    ads = data.campaigns["Ads"]
    geo = api_get(client, f"/api/v1/campaigns/{ads.uuid}/geo-data", data.secret).get_json()
    assert any(e["city"] == "Bozeman" for e in geo["by_city"])


def test_reports_without_visits_say_so(client, data):
    db.session.execute(update(Call).values(visitor_session_id=None))
    db.session.query(VisitorSession).delete()
    db.session.commit()
    body = api_get(client, "/api/v1/reports/summary?group_by=medium", data.secret).get_json()
    assert visit_fields(body["totals"]) == {
        "visits": 0,
        "visitors": 0,
        "calls_from_visits": 0,
        "calls_per_visit": None,
    }
    assert all(g["visits"] == 0 and g["calls_per_visit"] is None for g in body["groups"])
