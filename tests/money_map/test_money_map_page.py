"""The Money Map page and its CSV: the same numbers as geo_data (what the geo-data API serves)."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import timedelta

import pytest

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.money_map.us_map import us_map
from ringtonic.services.names import file_slug
from ringtonic.services.reporting.geo import geo_data
from ringtonic.services.reporting.periods import resolve_period
from tests.support.call_builders import add_call, add_campaign
from tests.support.map_geometry import contains
from tests.support.money_map_demo import seed_demo_calls
from tests.support.web_client import sign_in

STATE_PATH = re.compile(r'<path class="[^"]*" d="[^"]+" data-state="(\w+)" data-calls="(\d+)">')
CIRCLE = re.compile(
    r'<circle class="us-map__circle" cx="([\d.]+)" cy="([\d.]+)" r="[\d.]+" '
    r'data-calls="(\d+)"><title>([^<]+)</title>'
)
ROW = re.compile(r'<th scope="row">(.*?)</th>\s*<td class="num">([\d,]+)</td>', re.S)


@pytest.fixture
def demo(client, make_account):
    """A signed-in admin whose workspace has the demo calls; returns (workspace, campaigns)."""
    _, user, workspace = make_account(plan="agency")
    campaigns = seed_demo_calls(workspace, utcnow())
    sign_in(client, user.email)
    return workspace, campaigns


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _state_counts(page: str) -> dict[str, int]:
    return {code: int(calls) for code, calls in STATE_PATH.findall(page)}


def _expected_state_counts(geo: dict) -> dict[str, int]:
    counts = {state.postal: 0 for state in us_map().states}
    for entry in geo["by_state"]:
        if entry["country"] in ("US", "") and entry["state"] in counts:
            counts[entry["state"]] += entry["calls"]
    return counts


def test_every_state_path_carries_the_geo_data_count(client, demo):
    workspace, _ = demo
    page = _page(client, "/map")
    geo = geo_data(workspace, resolve_period(None, None, workspace.time_zone, utcnow()))
    counts = _state_counts(page)
    assert len(counts) == 51
    assert counts == _expected_state_counts(geo)
    assert counts["TX"] > counts["CO"] > 0 and counts["VT"] == 0
    totals = geo["totals"]
    assert f'<div class="stat__value">{totals["calls"]:,}</div>' in page
    assert f"<strong>{totals['calls_outside_us']}</strong>" in page
    assert f"<strong>{totals['calls_without_location']}</strong> with no location" in page
    texas = next(e for e in geo["by_state"] if e["state"] == "TX")
    assert (
        f"<title>Texas — {texas['calls']} calls, {texas['answered']} answered, "
        f"{texas['missed']} missed, {texas['first_time_callers']} first-time</title>"
    ) in page


def test_filters_give_the_same_numbers_as_geo_data(client, demo):
    workspace, (gbp, _website) = demo
    today = utcnow().date()
    start, end = (today - timedelta(days=12)).isoformat(), today.isoformat()
    page = _page(
        client, f"/map?campaign={gbp.uuid}&status=answered&start_date={start}&end_date={end}"
    )
    period = resolve_period(start, end, workspace.time_zone, utcnow())
    geo = geo_data(workspace, period, campaign=gbp, status="answered")
    assert geo["totals"]["calls"] > 0
    assert _state_counts(page) == _expected_state_counts(geo)
    assert "Callers of the campaign “Google Business Profile”" in page
    assert "answered calls only" in page
    assert f'<option selected value="{gbp.uuid}">' in page
    table = [
        (html.unescape(name), int(calls.replace(",", ""))) for name, calls in ROW.findall(page)
    ]
    names = {state.postal: state.name for state in us_map().states}
    assert table == [
        (names.get(e["state"], e["state"] + f" ({e['country']})"), e["calls"])
        for e in geo["by_state"]
    ]


@pytest.mark.parametrize("level", ["city", "zip"])
def test_circles_are_the_placed_cities_or_zips_inside_their_state(client, demo, level):
    workspace, _ = demo
    page = _page(client, f"/map?circles={level}")
    geo = geo_data(workspace, resolve_period(None, None, workspace.time_zone, utcnow()))
    circles = CIRCLE.findall(page)
    placed = [e for e in geo[f"by_{level}"] if e["country"] == "US" and e["latitude"] is not None]
    assert sorted(int(c[2]) for c in circles) == sorted(e["calls"] for e in placed)
    shapes = {state.postal: state for state in us_map().states}
    for x, y, _calls, title in circles:
        state = re.search(r", ([A-Z]{2}) —", html.unescape(title)).group(1)
        assert contains(shapes[state].d, float(x), float(y)), title


def test_dates_are_read_in_the_workspace_time_zone(client, make_account):
    _, user, workspace = make_account()
    workspace.time_zone = "America/Chicago"
    texas = {"caller_state": "TX", "caller_city": "Austin", "caller_country": "US"}
    add_call(workspace, "2026-11-02T03:00:00Z", **texas)  # Nov 1, 9 pm in Chicago
    add_call(workspace, "2026-11-02T07:00:00Z", **texas)  # Nov 2, 1 am in Chicago
    db.session.commit()
    sign_in(client, user.email)
    nov_1 = _page(client, "/map?start_date=2026-11-01&end_date=2026-11-01")
    assert _state_counts(nov_1)["TX"] == 1
    assert "Nov 1, 2026" in nov_1 and "America/Chicago" in nov_1


def test_a_campaign_of_another_workspace_or_a_bad_id_is_not_found(client, demo, make_account):
    _, _, other = make_account()
    foreign = add_campaign(other, "Theirs")
    db.session.commit()
    for value in (foreign.uuid, uuid.uuid4(), "not-a-uuid"):
        assert client.get(f"/map?campaign={value}").status_code == 404
        assert client.get(f"/map/export.csv?campaign={value}").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start_date=2026-13-01", "start_date must be a date like 2026-01-31"),
        ("start_date=2026-11-05&end_date=2026-11-01", "end_date must not be before start_date."),
        ("status=lost", "Choose a call status"),
        ("sort=price", "Choose a column to sort by"),
        ("table=county", "Choose a table"),
        ("circles=county", "Choose what the circles show"),
    ],
)
def test_bad_filters_are_explained_and_nothing_is_drawn(client, demo, query, message):
    page = _page(client, f"/map?{query}", status=400)
    assert message in page
    assert "<svg" not in page


def test_a_campaign_without_calls_says_what_to_do(client, demo):
    workspace, _ = demo
    quiet = add_campaign(workspace, "Yard signs")
    db.session.commit()
    page = _page(client, f"/map?campaign={quiet.uuid}")
    assert "No calls to “Yard signs” in this period" in page
    assert "a number is assigned to it" in page
    assert "<svg" not in page


def test_a_workspace_without_calls_says_what_to_do(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    page = _page(client, "/map")
    assert "No calls in this workspace in this period" in page
    assert "Try a longer period" in page


def test_calls_without_a_us_location_are_explained(client, make_account):
    _, user, workspace = make_account()
    add_call(workspace, utcnow())
    add_call(workspace, utcnow(), caller_city="Toronto", caller_state="ON", caller_country="CA")
    db.session.commit()
    sign_in(client, user.email)
    page = _page(client, "/map")
    assert "None of these calls has a location in the US" in page
    assert "1</strong> call from outside the US" in page
    assert "ON (CA)" in page  # the table still lists the known place


def test_us_places_off_the_map_are_counted_beside_it(client, make_account):
    _, user, workspace = make_account()
    add_call(workspace, utcnow(), caller_city="San Juan", caller_state="PR", caller_country="US")
    add_call(workspace, utcnow(), caller_city="Austin", caller_state="TX", caller_country="US")
    db.session.commit()
    sign_in(client, user.email)
    page = _page(client, "/map")
    assert "Counted but not drawn: PR (1)" in page
    assert _state_counts(page)["TX"] == 1


def test_tables_sort_by_column_header_links(client, demo):
    page = _page(client, "/map?table=city&sort=name")
    names = [html.unescape(re.sub(r"<[^>]+>.*", "", name)).strip() for name, _ in ROW.findall(page)]
    assert names == sorted(names, key=str.casefold) and "Austin" in names
    assert re.search(
        r'<th scope="col" aria-sort="ascending">\s*<a [^>]*sort=name&amp;dir=desc', page
    )
    by_calls = _page(client, "/map?table=zip&sort=calls&dir=asc")
    calls = [int(c.replace(",", "")) for _, c in ROW.findall(by_calls)]
    assert calls == sorted(calls) and len(calls) > 20
    assert 'aria-sort="ascending"' in by_calls
    assert "=None" not in by_calls


def test_page_is_accessible_and_needs_no_inline_script_or_style(client, demo):
    page = _page(client, "/map")
    assert '<a href="/map" aria-current="page">Map</a>' in page
    assert re.search(r'<svg class="us-map" [^>]*role="img" aria-labelledby="map-heading"', page)
    assert 'id="map-heading"' in page
    assert "<script>" not in page and " style=" not in page and "onclick" not in page
    assert "US Census Bureau" in page


def test_place_names_are_escaped_in_the_map_and_tables(client, make_account):
    _, user, workspace = make_account()
    add_call(
        workspace,
        utcnow(),
        caller_city="<script>x</script>",
        caller_state="TX",
        caller_zip="78701",
        caller_country="US",
    )
    db.session.commit()
    sign_in(client, user.email)
    for url in ("/map?table=city", "/map?circles=zip&table=zip"):
        page = _page(client, url)
        assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_csv_download_has_the_whole_sorted_table(client, demo):
    workspace, (gbp, _) = demo
    response = client.get(f"/map/export.csv?table=city&sort=name&campaign={gbp.uuid}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    slug = file_slug(workspace.name)
    assert disposition.startswith(f'attachment; filename="money-map-{slug}-city-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    period = resolve_period(None, None, workspace.time_zone, utcnow())
    geo = geo_data(workspace, period, campaign=gbp)
    assert len(rows) == len(geo["by_city"])
    assert [r["city"] for r in rows] == sorted((r["city"] for r in rows), key=str.casefold)
    austin = next(r for r in rows if r["city"] == "Austin")
    expected = next(e for e in geo["by_city"] if e["city"] == "Austin")
    assert int(austin["calls"]) == expected["calls"]
    assert float(austin["average_duration"]) == expected["average_duration"]


def test_csv_neutralises_formulas_in_place_names(client, make_account):
    _, user, workspace = make_account()
    add_call(workspace, utcnow(), caller_city='=HYPERLINK("x")', caller_state="TX")
    db.session.commit()
    sign_in(client, user.email)
    text = client.get("/map/export.csv?table=city").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text)))[1][0] == '\'=HYPERLINK("x")'


def test_csv_rejects_an_unknown_table(client, demo):
    response = client.get("/map/export.csv?table=county")
    assert response.status_code == 400
    assert "Choose a table" in response.get_data(as_text=True)


def test_map_and_csv_need_sign_in(client):
    for url in ("/map", "/map/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_each_campaign_links_to_its_map(client, make_account):
    _, user, workspace = make_account()
    campaign = add_campaign(workspace, "Yard signs")
    db.session.commit()
    sign_in(client, user.email)
    link = f'href="/map?campaign={campaign.uuid}"'
    assert link in client.get("/campaigns").get_data(as_text=True)
    assert link in client.get(f"/campaigns/{campaign.uuid}").get_data(as_text=True)
    assert client.get(f"/map?campaign={campaign.uuid}").status_code == 200
