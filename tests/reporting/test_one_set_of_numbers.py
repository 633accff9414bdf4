"""One set of numbers: every page and API answer counts the same calls the same way.

The same seeded calls (every status, calls a second either side of the 30-day edge and of
local midnights, in a zone far from UTC) are read through the dashboard, the campaigns
list, the Money Map, the calls log and the API's reports and geo-data; every one of them
must give the same total, answered, missed and first-time counts.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ringtonic.api import reports as api_reports
from ringtonic.extensions import db
from ringtonic.models import CALL_STATUSES
from ringtonic.money_map import views as money_map_views
from ringtonic.services.calls.stats import MISSED_STATUSES
from ringtonic.services.reporting import dashboard as dashboard_service
from ringtonic.services.reporting.periods import last_days
from ringtonic.services.telephony import campaigns as campaign_service
from tests.support.call_builders import add_call, add_campaign, add_number
from tests.support.keys import api_get, issue_key
from tests.support.web_client import sign_in

FIGURES = ("calls", "answered", "missed", "first_time_callers")


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _moments(now: datetime, zone: ZoneInfo) -> list[datetime]:
    """Return call times that sit on every edge a window can get wrong."""
    window = last_days(zone.key, now)
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=29)
    second = timedelta(seconds=1)
    moments = [
        window.start - second,  # the last second before the window: outside
        window.start,  # its first instant: inside
        window.start + second,
        now - timedelta(days=30) + timedelta(hours=2),  # inside 30×24 hours, not 30 local days
        _at(today, time(0, 0, 5), zone),  # just after local midnight today
        _at(today, time(0, 0), zone) - second,  # just before it: yesterday
        _at(today - timedelta(days=40), time(12), zone),  # long before: outside
    ]
    # UTC midnights inside the window, a minute either side (local and UTC days differ).
    utc_midnight = datetime.combine(first_day + timedelta(days=10), time(0), tzinfo=UTC)
    moments += [utc_midnight - timedelta(minutes=1), utc_midnight + timedelta(minutes=1)]
    # A local day in the middle, each status once, hours apart.
    middle = today - timedelta(days=15)
    moments += [_at(middle, time(9 + n), zone) for n in range(len(CALL_STATUSES))]
    return moments


def _seed(make_account, zone_name: str, now: datetime):
    """Create the workspace, its calls, a read key, and the counts every view must show."""
    zone = ZoneInfo(zone_name)
    _, user, workspace = make_account(plan="agency")
    workspace.time_zone = zone_name
    _, _, other = make_account(plan="agency")
    campaigns = [add_campaign(workspace, "Google Business Profile"), add_campaign(workspace, "Ads")]
    numbers = [
        add_number(workspace, campaign, f"+1512555014{n}") for n, campaign in enumerate(campaigns)
    ]
    other_number = add_number(other, add_campaign(other), "+15125550149")
    window = last_days(zone_name, now)
    expected = dict.fromkeys(FIGURES, 0)
    for n, started_at in enumerate(_moments(now, zone)):
        status = CALL_STATUSES[n % len(CALL_STATUSES)]
        fields = {
            "status": status,
            "first_call": n % 3 == 0,
            "caller_number": f"+1512555{n:04d}",
            "caller_city": "Austin",
            "caller_state": "TX",
            "caller_zip": "78701",
            "caller_country": "US",
            "duration_seconds": 30 if status == "answered" else 0,
        }
        number = numbers[n % 2]
        add_call(workspace, started_at, number=number, campaign=campaigns[n % 2], **fields)
        # The same call in another workspace: never counted here.
        add_call(other, started_at, number=other_number, **fields)
        if window.start <= started_at < window.end:
            expected["calls"] += 1
            expected["answered"] += status == "answered"
            expected["missed"] += status in MISSED_STATUSES
            expected["first_time_callers"] += fields["first_call"]
    db.session.commit()
    return user, workspace, campaigns, issue_key(workspace, user), expected


def _figures(page: str) -> dict[str, int]:
    """Read the stat cards marked with data-figure."""
    found = {}
    for name in FIGURES:
        match = re.search(
            rf'data-figure="{name}">.*?class="stat__value">(?:<a [^>]*>)?([\d,]+)', page, re.S
        )
        assert match, name
        found[name] = int(match.group(1).replace(",", ""))
    return found


def _figure_link(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">.*?class="stat__value"><a href="([^"]+)"', page, re.S)
    assert match, name
    return html.unescape(match.group(1))


def _logged_calls(client, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    return len(re.findall(r'<a href="/calls/[0-9a-f-]{36}">', page.get_data(as_text=True)))


def _api_totals(client, secret: str, path: str) -> dict[str, int]:
    response = api_get(client, path, secret)
    assert response.status_code == 200, response.get_data(as_text=True)
    totals = response.get_json()["totals"]
    return {name: totals[name] for name in FIGURES}


@pytest.mark.parametrize(
    ("zone_name", "local_now"),
    [
        # Half an hour after local midnight, and the 30 days cross the end of DST (Nov 1).
        ("America/Chicago", datetime(2026, 11, 27, 0, 30)),
        # A :30 zone: its midnights fall between the rollups' hourly blocks.
        ("Asia/Kolkata", datetime(2026, 3, 15, 0, 20)),
    ],
)
def test_every_page_and_the_api_count_the_same_calls(
    client, make_account, monkeypatch, zone_name, local_now
):
    now = local_now.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)
    for module, name in (
        (dashboard_service, "utcnow"),
        (campaign_service, "utcnow"),
        (money_map_views, "utcnow"),
        (api_reports, "clock"),
    ):
        monkeypatch.setattr(module, name, lambda: now)
    user, _workspace, campaigns, secret, expected = _seed(make_account, zone_name, now)
    assert 0 < expected["missed"] < expected["calls"] < 50  # one page of the calls log
    sign_in(client, user.email)

    dashboard = client.get("/").get_data(as_text=True)
    assert _figures(dashboard) == expected

    money_map = client.get("/map").get_data(as_text=True)
    assert _figures(money_map) == expected

    listing = client.get("/campaigns").get_data(as_text=True)
    per_campaign = [
        int(n.replace(",", "")) for n in re.findall(r'<td class="num">([\d,]+)</td>', listing)
    ]
    assert sum(per_campaign) == expected["calls"]
    for campaign in campaigns:
        detail = client.get(f"/campaigns/{campaign.uuid}").get_data(as_text=True)
        assert (
            f"<dd>{per_campaign[0] if campaign.name == 'Ads' else per_campaign[1]}</dd>" in detail
        )

    # The dashboard's figures link to the calls log showing exactly the calls they count.
    for name in ("answered", "missed", "first_time_callers"):
        assert _logged_calls(client, _figure_link(dashboard, name)) == expected[name], name
    window = last_days(zone_name, now).as_dict()
    dates = f"start_date={window['start_date']}&end_date={window['end_date']}"
    assert _logged_calls(client, f"/calls?{dates}") == expected["calls"]
    assert _logged_calls(client, f"/calls?{dates}&status=missed-all") == expected["missed"]

    summary = _api_totals(client, secret, "/api/v1/reports/summary?group_by=source")
    assert summary == expected
    assert _api_totals(client, secret, "/api/v1/reports/timeseries?interval=day") == expected
    by_campaign = [
        _api_totals(client, secret, f"/api/v1/campaigns/{c.uuid}/geo-data") for c in campaigns
    ]
    assert {name: sum(t[name] for t in by_campaign) for name in FIGURES} == expected

    # The API's status filter offers the same group as the calls log.
    missed = _api_totals(
        client, secret, "/api/v1/reports/summary?group_by=source&status=missed-all"
    )
    assert missed["calls"] == missed["missed"] == expected["missed"]
    listed = api_get(client, f"/api/v1/calls?{dates}&status=missed-all&limit=200", secret)
    assert len(listed.get_json()["data"]) == expected["missed"]
