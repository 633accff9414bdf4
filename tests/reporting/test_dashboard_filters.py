"""The dashboard's days and campaign, and links from every figure to the calls it counts."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from tests.support.call_fixtures import add_call, add_campaign, add_number
from tests.support.web_client import sign_in


@pytest.fixture
def dashboard(client, make_account):
    """Calls over the last 40 days from two campaigns and several sources/mediums."""
    _, user, workspace = make_account()
    ads = add_campaign(workspace, "Google Ads")
    gbp = add_campaign(workspace, "Google Business Profile")
    ads_number = add_number(workspace, "+15125550100", campaign=ads)
    gbp_number = add_number(workspace, "+15125550111", campaign=gbp)
    now = utcnow()
    plan = [
        (1, ads_number, "google", "cpc", "answered", True),
        (1, ads_number, "google", "cpc", "missed", False),
        (2, gbp_number, "google", "organic", "answered", True),
        (3, gbp_number, "google", "organic", "answered", False),
        (5, None, "", "", "voicemail", True),
        (12, ads_number, "bing", "cpc", "answered", True),
        (35, gbp_number, "google", "organic", "answered", True),
    ]
    for n, (days_ago, number, source, medium, status, first) in enumerate(plan):
        add_call(
            workspace,
            now - timedelta(days=days_ago, minutes=n),
            number=number,
            caller=f"+1737555{n:04d}",
            source=source,
            medium=medium,
            status=status,
            first_call=first,
        )
    db.session.commit()
    sign_in(client, user.email)
    return workspace, {"ads": ads, "gbp": gbp}


def _calls_links(page: str) -> list[tuple[str, int]]:
    """Return (calls log link, the whole number it shows) for every linked figure."""
    found = re.findall(r'<a href="(/calls\?[^"]+)"[^>]*>([\d,]+)</a>', page)
    return [(html_module.unescape(url), int(n.replace(",", ""))) for url, n in found]


def _total(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(re.search(r'data-total="(\d+)"', response.get_data(as_text=True)).group(1))


@pytest.mark.parametrize(
    "query",
    ["", "?period=7d", "?period=last_month", "?campaign={gbp}", "?period=today"],
)
def test_every_linked_figure_opens_the_calls_log_showing_that_many_calls(client, dashboard, query):
    _, campaigns = dashboard
    page = client.get("/" + query.format(gbp=campaigns["gbp"].uuid))
    assert page.status_code == 200
    links = _calls_links(page.get_data(as_text=True))
    assert len(links) >= 6
    for url, shown in links:
        assert _total(client, url) == shown, url


def test_bars_link_to_their_day(client, dashboard):
    page = client.get("/").get_data(as_text=True)
    bars = re.findall(r'<a href="(/calls\?[^"]+)" aria-label="([^"]+)"><rect', page)
    assert bars
    for url, label in bars:
        count = int(re.search(r": (\d+) calls?", label).group(1))
        assert _total(client, html_module.unescape(url)) == count


def test_sources_by_source_and_medium_and_campaigns_with_answered_rate_and_first_time(
    client, dashboard
):
    page = client.get("/").get_data(as_text=True)
    assert "Top sources" not in page and "Top campaigns" not in page
    sources = page.split("<h2>Sources, last 30 days</h2>", 1)[1].split("</table>", 1)[0]
    rows = [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", sources, re.S)[1:]
    ]
    assert rows == [
        ["google / cpc", "2", "50%", "1"],
        ["google / organic", "2", "100%", "1"],
        ["(no source)", "1", "0%", "1"],
        ["bing / cpc", "1", "100%", "1"],
    ]
    campaigns = page.split("<h2>Campaigns, last 30 days</h2>", 1)[1].split("</table>", 1)[0]
    assert "Google Ads" in campaigns and "67%" in campaigns  # 2 of 3 answered


def test_campaign_filter_narrows_every_figure(client, dashboard):
    _, campaigns = dashboard
    page = client.get(f"/?campaign={campaigns['ads'].uuid}").get_data(as_text=True)
    assert re.search(r'data-figure="answered">.*?class="stat__value"><a [^>]*>2<', page, re.S)
    assert "google / organic" not in page and "Google Business Profile</a>" not in page
    assert f"campaign={campaigns['ads'].uuid}" in page


def test_date_range_sets_the_chart_days_and_figures(client, dashboard):
    today = utcnow().date()
    start = today - timedelta(days=39)
    page = client.get(f"/?period=custom&start_date={start}&end_date={today}").get_data(as_text=True)
    assert len(re.findall(r"<tr><td>\d{4}-\d\d-\d\d</td>", page)) == 40
    assert f"Calls per day, {start} to {today}" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=custom&start_date=2024-05-02&end_date=2024-05-01", "on or after the start date"),
        ("period=custom&start_date=2020-01-01&end_date=2024-01-01", "at most 366 days"),
        ("period=custom&start_date=2999-01-01", "on or before the end date"),
        ("campaign=not-a-campaign", "No such campaign in this workspace."),
        ("period=forever", "Choose a period from the list."),
    ],
)
def test_bad_dashboard_filters_are_explained(client, dashboard, query, message):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
