"""The dashboard: calls per period, outcomes, top sources and campaigns, calls per day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.reporting.dashboard import DayCount, dashboard_summary
from ringtonic.web.charts import axis_top, daily_bar_chart
from tests.support.call_fixtures import add_call, add_campaign, add_number
from tests.support.web_client import sign_in

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2024, 3, 12, 16, 0, tzinfo=UTC)  # noon on Tuesday March 12 in New York


def local(text: str) -> datetime:
    """Return a New York wall-clock time as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).astimezone(UTC)


@pytest.fixture
def workspace(make_account):
    _, _, workspace = make_account()
    return workspace


def counts_by_day(summary) -> dict[date, int]:
    return {day.day: day.count for day in summary.days}


def test_no_calls_yet_means_no_figures(workspace):
    assert dashboard_summary(workspace, now=NOW) is None


@pytest.mark.parametrize(
    ("now", "moments", "expected"),
    [
        # Spring forward: March 10 has 23 hours.
        (
            NOW,
            ["2024-03-09 23:30", "2024-03-10 00:30", "2024-03-10 23:30", "2024-03-11 00:30"],
            {date(2024, 3, 9): 1, date(2024, 3, 10): 2, date(2024, 3, 11): 1},
        ),
        # Fall back: November 3 has 25 hours.
        (
            datetime(2024, 11, 5, 17, 0, tzinfo=UTC),
            ["2024-11-02 23:59", "2024-11-03 00:30", "2024-11-03 23:30", "2024-11-04 00:00"],
            {date(2024, 11, 2): 1, date(2024, 11, 3): 2, date(2024, 11, 4): 1},
        ),
    ],
)
def test_days_are_local_days_across_daylight_saving_changes(workspace, now, moments, expected):
    for moment in moments:
        add_call(workspace, local(moment))
    db.session.commit()
    summary = dashboard_summary(workspace, now=now)
    assert len(summary.days) == 30
    assert summary.days[-1].day == now.astimezone(NEW_YORK).date()
    assert {day: n for day, n in counts_by_day(summary).items() if n} == expected


def test_periods_compare_with_the_period_before(workspace):
    for moment in ("2024-03-12 08:00", "2024-03-12 09:00", "2024-03-12 00:05"):
        add_call(workspace, local(moment))
    add_call(workspace, local("2024-03-11 23:59"))  # yesterday
    add_call(workspace, local("2024-03-04 10:00"))  # 8 days ago: previous 7 days
    add_call(workspace, local("2024-02-01 10:00"))  # previous 30 days
    add_call(workspace, local("2024-01-10 10:00"))  # older than 60 days: counted nowhere
    db.session.commit()
    today, week, month = dashboard_summary(workspace, now=NOW).periods
    assert (today.count, today.previous, today.change_percent) == (3, 1, 200)
    assert (week.count, week.previous, week.change_percent) == (4, 1, 300)
    assert (month.count, month.previous, month.change_percent) == (5, 1, 400)


def test_change_from_nothing_has_no_percentage(workspace):
    add_call(workspace, local("2024-03-12 08:00"))
    db.session.commit()
    today = dashboard_summary(workspace, now=NOW).periods[0]
    assert (today.count, today.previous, today.change_percent) == (1, 0, None)


def test_outcomes_average_and_top_lists_cover_the_last_30_days(workspace, make_account):
    gbp = add_number(workspace, "+15125550100", campaign=add_campaign(workspace, "GBP"))
    site = add_number(workspace, "+15125550111", campaign=add_campaign(workspace, "Website"))
    day = local("2024-03-11 10:00")
    for status, duration, number, source in [
        ("answered", 60, gbp, "google"),
        ("answered", 120, gbp, "google"),
        ("answered", 31, site, "bing"),
        ("missed", 0, site, "google"),
        ("voicemail", 20, None, ""),
        ("busy", 0, None, ""),
        ("ringing", 0, None, ""),
    ]:
        add_call(workspace, day, status=status, duration=duration, number=number, source=source)
    add_call(workspace, local("2024-01-01 10:00"), source="ancient")
    _, _, other = make_account()
    add_call(other, day, source="theirs")
    db.session.commit()
    summary = dashboard_summary(workspace, now=NOW)
    assert (summary.answered, summary.missed, summary.average_answered_seconds) == (3, 3, 70)
    # Ties keep a stable order: by name for sources, by age for campaigns.
    assert [(r.name, r.count) for r in summary.top_sources] == [
        ("(no source)", 3),
        ("google", 3),
        ("bing", 1),
    ]
    assert [(r.name, r.count) for r in summary.top_campaigns] == [
        ("(no campaign)", 3),
        ("GBP", 2),
        ("Website", 2),
    ]
    assert summary.last_call_at == local("2024-03-11 10:00")


def test_axis_tops_are_round_numbers():
    assert [axis_top(n) for n in (0, 1, 4, 6, 7, 12, 23, 99, 101, 2600)] == [
        1,
        1,
        4,
        10,
        10,
        20,
        25,
        100,
        200,
        5000,
    ]


def test_bars_are_as_tall_as_their_counts():
    days = [DayCount(date(2024, 3, 1) + timedelta(days=n), n % 3) for n in range(30)]
    chart = daily_bar_chart(days)
    assert len(chart.bars) == 30
    tall = max(bar.height for bar in chart.bars)
    assert all(bar.height == pytest.approx(tall * bar.count / 2) for bar in chart.bars)
    assert chart.bars[1].label == "Mar 2: 1 call"
    assert [label for _, label in chart.day_labels] == [
        "Mar 2",
        "Mar 9",
        "Mar 16",
        "Mar 23",
        "Mar 30",
    ]
    assert chart.description == "30 calls from Mar 1 to Mar 30; busiest day Mar 3 with 2."


def test_dashboard_page_with_calls(client, make_account):
    _, user, workspace = make_account()
    number = add_number(workspace, campaign=add_campaign(workspace, "Spring promo"))
    now = utcnow()
    for hours in (1, 2, 30):
        add_call(workspace, now - timedelta(hours=hours), number=number, source="gbp")
    add_call(workspace, now - timedelta(hours=3), status="missed", duration=0)
    db.session.commit()
    sign_in(client, user.email)
    html = client.get("/").get_data(as_text=True)
    assert f"<h1>{workspace.name}</h1>" in html
    assert "Last 7 days" in html and "Last 30 days" in html
    assert re.search(r'<div class="stat__value"><a href="/calls\?period=7d">4</a></div>', html)
    assert "Spring promo" in html and "gbp" in html
    assert '<svg class="chart"' in html and 'role="group"' in html
    assert "<title>" in html and "<desc" in html
    # Screen readers get the numbers as a table too.
    assert '<table class="visually-hidden">' in html
    assert (
        len(re.findall(r"<tr><td>\d{4}-\d\d-\d\d</td><td>(0|<a [^>]+>\d+</a>)</td></tr>", html))
        == 30
    )


def test_dashboard_page_before_the_first_call(client, make_account):
    _, user, _ = make_account()
    _, _, elsewhere = make_account()
    add_call(elsewhere, utcnow() - timedelta(hours=1))
    db.session.commit()
    sign_in(client, user.email)
    html = client.get("/").get_data(as_text=True)
    assert "No calls yet" in html and "<svg" not in html
    assert 'href="/calls/import"' in html
