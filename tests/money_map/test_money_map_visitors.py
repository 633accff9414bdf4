"""The Money Map's visitors mode: website visits by place, the same numbers as the geo-data API."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from ringtonic.api import reports as api_reports
from ringtonic.services.money_map.tables import place_rows
from tests.support.keys import api_get
from tests.support.report_data import NOW, build_report_data
from tests.support.report_visits import add_visits
from tests.support.web_client import sign_in

PERIOD = "start_date=2026-10-01&end_date=2026-11-27"
STATE_PATH = re.compile(r'<path class="[^"]*" d="[^"]+" data-state="(\w+)" data-calls="(\d+)">')
VISITOR_ROW = re.compile(
    r'<th scope="row">(.*?)</th>\s*<td class="num">([\d,]+)</td>\s*<td class="num">([\d,]+)</td>'
    r'\s*<td class="num">([\d,]+)</td>\s*<td class="num">([\d,]+)</td>'
    r'\s*<td class="num">([\d.–]+)</td>',
    re.S,
)


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@pytest.fixture
def signed_in(app, client, make_account, monkeypatch):
    """The report workspace with its visits, its admin signed in."""
    monkeypatch.setattr(api_reports, "clock", lambda: NOW)
    data = add_visits(build_report_data(make_account))
    sign_in(client, data.user.email)
    return data


def _api_geo(client, report, campaign) -> dict:
    url = f"/api/v1/campaigns/{campaign.uuid}/geo-data?{PERIOD}"
    response = api_get(client, url, report.secret)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _per_visit(value) -> str:
    return "–" if value is None else f"{value:.2f}"


@pytest.mark.parametrize("table", ["state", "city"])
def test_visitors_mode_agrees_with_the_geo_data_api(client, signed_in, table):
    report = signed_in
    ads = report.campaigns["Ads"]
    geo = _api_geo(client, report, ads)
    page = _page(client, f"/map?show=visitors&campaign={ads.uuid}&table={table}&{PERIOD}")
    totals = geo["totals"]
    assert f'data-figure="visits"><div class="stat__value">{totals["visits"]:,}<' in page
    assert f'data-figure="visitors"><div class="stat__value">{totals["visitors"]:,}<' in page
    from_visits = f"{totals['calls_from_visits']:,}"
    assert totals["calls_from_visits"] > 0
    assert f'data-figure="calls_from_visits"><div class="stat__value">{from_visits}<' in page
    per_visit = f"{totals['calls_per_visit']:.2f}"
    assert f'data-figure="calls_per_visit"><div class="stat__value">{per_visit}<' in page
    expected = [e for e in geo[f"by_{table}"] if e["visits"]]
    rows = VISITOR_ROW.findall(page)
    assert len(rows) == len(expected) > 0
    shown = {html.unescape(re.sub(r"<.*?>", "", name)): rest for name, *rest in rows}
    for row in place_rows({f"by_{table}": expected}, table):
        entry = row.entry
        visits, visitors, calls, from_visits, per_visit = shown[f"{row.name} {row.detail}".strip()]
        assert (visits, visitors, calls, from_visits) == (
            f"{entry['visits']:,}",
            f"{entry['visitors']:,}",
            f"{entry['calls']:,}",
            f"{entry['calls_from_visits']:,}",
        )
        assert per_visit == _per_visit(entry["calls_per_visit"])
    # The states are shaded by visits, and the legend says so.
    shaded = {code: int(n) for code, n in STATE_PATH.findall(page)}
    for entry in geo["by_state"]:
        if entry["country"] in ("US", None) and entry["state"] in shaded:
            assert shaded[entry["state"]] == entry["visits"]
    assert shaded["TX"] > 0
    assert "Visits per state</text>" in page and "Calls per state" not in page
    assert "Visits by state</h2>" in page or "Visits in " in page


def test_visitors_mode_is_kept_in_links_form_and_csv(client, signed_in):
    report = signed_in
    ads = report.campaigns["Ads"]
    page = _page(client, f"/map?show=visitors&campaign={ads.uuid}&{PERIOD}")
    assert '<input id="show" name="show" type="hidden" value="visitors">' in page
    export = re.search(r'href="(/map/export\.csv\?[^"]+)"', page).group(1)
    assert "show=visitors" in html.unescape(export)
    response = client.get(html.unescape(export))
    assert response.status_code == 200
    assert "-visitors-state-" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    geo = _api_geo(client, report, ads)
    fields = ("visits", "visitors", "calls_from_visits")
    expected = [(e["state"], *(e[f] for f in fields)) for e in geo["by_state"] if e["visits"]]
    # Most visits first, as on the page.
    assert [(r["state"], *(int(r[f]) for f in fields)) for r in rows] == sorted(
        expected, key=lambda e: -e[1]
    )
    # Sort links stay in visitors mode and offer the visit columns.
    assert "sort=calls_per_visit" in page and "show=visitors" in html.unescape(
        re.search(r'href="([^"]*sort=visitors[^"]*)"', page).group(1)
    )


def test_call_only_filters_are_switched_off_with_a_reason(client, signed_in):
    page = _page(client, f"/map?show=visitors&{PERIOD}")
    status = re.search(r'<select[^>]*id="status"[^>]*>', page).group(0)
    assert " disabled" in status
    assert "Visits have no call status: it applies to callers." in page
    assert '<span class="segmented__off" aria-disabled="true" title="A visit' in page
    assert 'has no zip code">Zip codes</span>' in page
    assert "show=visitors" not in re.search(r'href="([^"]*)"[^>]*>Callers</a>', page).group(1)


def test_switching_mode_drops_the_call_only_choices(client, signed_in):
    page = _page(client, f"/map?status=answered&circles=zip&table=zip&sort=missed&{PERIOD}")
    link = html.unescape(re.search(r'href="([^"]*)"[^>]*>Website visitors</a>', page).group(1))
    assert "show=visitors" in link
    for dropped in ("status=", "circles=", "table=zip", "sort="):
        assert dropped not in link
    assert "start_date=2026-10-01" in link
    assert _page(client, link)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("show=everyone", "Choose what the map shows: callers, visitors."),
        ("show=visitors&status=answered", "Visits have no call status"),
        ("show=visitors&circles=zip", "Visits have no zip code"),
        ("show=visitors&table=zip", "Choose a table of visits: state, city."),
        ("show=visitors&sort=missed", "Choose a column to sort by: name, visits"),
        ("sort=visits", "Choose a column to sort by: name, calls"),
    ],
)
def test_bad_mode_values_are_explained_not_a_500(client, signed_in, query, message):
    page = _page(client, f"/map?{query}", status=400)
    assert html.escape(message, quote=False) in page or message in html.unescape(page)
    assert 'class="us-map"' not in page
    csv_response = client.get(f"/map/export.csv?{query}&workspace={signed_in.workspace.uuid}")
    assert csv_response.status_code == 400


def test_callers_mode_is_unchanged_by_default(client, signed_in):
    page = _page(client, f"/map?{PERIOD}")
    assert "Calls per state</text>" in page and 'data-figure="visits"' not in page
    assert "Visits per state" not in page


def test_no_visits_says_what_to_do(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    page = _page(client, "/map?show=visitors")
    assert "No website visits in this workspace in this period" in page
