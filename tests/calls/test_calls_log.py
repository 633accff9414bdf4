"""The calls log: search, sort with keyset pages, totals, date presets, page sizes, sources."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.calls.pages import CallSort, list_calls, period_dates
from ringtonic.services.calls.queries import parse_call_filters
from tests.support.call_fixtures import add_call
from tests.support.query_plans import (
    assert_no_sort,
    assert_uses_an_index,
    captured_call_queries,
    fill_calls,
    query_plan,
)
from tests.support.web_client import sign_in

START = datetime(2024, 3, 10, 13, 15, tzinfo=UTC)


def rows_of(html: str) -> list[str]:
    """Return the caller numbers shown in the calls table, in order."""
    return re.findall(r'<a href="/calls/[0-9a-f-]{36}">([^<]+)</a>', html)


def total_of(html: str) -> int:
    return int(re.search(r'data-total="(\d+)"', html).group(1))


@pytest.fixture
def signed_in(client, make_account):
    """An admin signed in to a workspace (New York time) that has three calls."""
    _, user, workspace = make_account(plan="agency")
    add_call(
        workspace,
        START,
        caller="+15125550147",
        duration=95,
        caller_city="Austin",
        caller_state="TX",
        caller_zip="78701",
        source="google",
        medium="organic",
    )
    add_call(
        workspace,
        START + timedelta(hours=1),
        caller="+17375550199",
        duration=20,
        status="missed",
        caller_city="Round Rock",
        caller_zip="78664",
        source="google",
        medium="cpc",
    )
    add_call(
        workspace,
        START - timedelta(days=3),
        caller="+15125550100",
        duration=300,
        caller_city="Austin",
        caller_zip="78745",
        source="bing",
        medium="organic",
    )
    db.session.commit()
    sign_in(client, user.email)
    return workspace


@pytest.mark.parametrize(
    ("typed", "callers"),
    [
        ("(512) 555-0147", ["(512) 555-0147"]),
        ("512.555.0147", ["(512) 555-0147"]),
        ("+1 512 555 0147", ["(512) 555-0147"]),
        ("1-512-555-0147", ["(512) 555-0147"]),
        ("555-014", ["(512) 555-0147"]),
        ("512 555", ["(512) 555-0147", "(512) 555-0100"]),
        ("737", ["(737) 555-0199"]),
        ("austin", ["(512) 555-0147", "(512) 555-0100"]),
        ("Round", ["(737) 555-0199"]),
        ("78701", ["(512) 555-0147"]),
        ("787", ["(512) 555-0147", "(512) 555-0100"]),
        ("78745-1234", ["(512) 555-0100"]),
        ("Dallas", []),
        ("100%", []),
    ],
)
def test_search_finds_callers_in_any_format_and_places_by_city_or_zip(
    client, signed_in, typed, callers
):
    response = client.get("/calls", query_string={"q": typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert rows_of(html) == callers
    assert total_of(html) == len(callers)
    # The search stays in the box and in the export link.
    assert 'name="q"' in html


def test_total_counts_every_filtered_call_not_just_the_page(client, signed_in):
    for n in range(60):
        add_call(signed_in, START - timedelta(days=10, minutes=n), caller=f"+1512555{n:04d}")
    db.session.commit()
    html = client.get("/calls").get_data(as_text=True)
    assert len(rows_of(html)) == 50 and total_of(html) == 63
    assert "63 calls" in html
    missed = client.get("/calls?status=missed").get_data(as_text=True)
    assert total_of(missed) == 1 and "1 call</strong> matches these filters" in missed


def test_source_and_medium_filter_like_the_api(client, signed_in):
    html = client.get("/calls?source=Google&medium=organic").get_data(as_text=True)
    assert rows_of(html) == ["(512) 555-0147"]
    assert rows_of(client.get("/calls?source=bing").get_data(as_text=True)) == ["(512) 555-0100"]
    too_long = client.get("/calls", query_string={"source": "x" * 101})
    assert too_long.status_code == 400
    assert "at most 100 characters" in too_long.get_data(as_text=True)


def test_columns_sort_by_duration_and_status_both_ways(client, signed_in):
    shortest = rows_of(client.get("/calls?sort=duration&dir=asc").get_data(as_text=True))
    assert shortest == ["(737) 555-0199", "(512) 555-0147", "(512) 555-0100"]
    longest = client.get("/calls?sort=duration&dir=desc").get_data(as_text=True)
    assert rows_of(longest) == list(reversed(shortest))
    assert 'aria-sort="descending"' in longest
    # The header link flips the direction and keeps the filters.
    assert "sort=duration&amp;dir=asc" in longest
    by_status = rows_of(client.get("/calls?sort=status&dir=desc").get_data(as_text=True))
    assert by_status[0] == "(737) 555-0199"  # missed after answered, read backwards
    oldest = rows_of(client.get("/calls?sort=time&dir=asc").get_data(as_text=True))
    assert oldest == ["(512) 555-0100", "(512) 555-0147", "(737) 555-0199"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"sort": "caller"}, "sort", "Sort by one of"),
        ({"dir": "sideways"}, "dir", "asc or desc"),
        ({"per_page": "7"}, "per_page", "calls a page"),
        ({"period": "fortnight"}, "period", "Choose a period"),
    ],
)
def test_bad_sort_page_size_or_period_is_explained(client, signed_in, values, field, message):
    response = client.get("/calls", query_string=values)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_page_size_choice_and_pages_keep_search_sort_and_size(client, signed_in):
    for n in range(30):
        add_call(
            signed_in,
            START - timedelta(days=5, minutes=n),
            caller=f"+1512444{n:04d}",
            duration=n % 4,
        )
    db.session.commit()
    seen, url, pages = [], "/calls?q=512&sort=duration&dir=asc&per_page=25", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += rows_of(html)
        pages += 1
        assert len(rows_of(html)) <= 25
        following = re.search(r'rel="next" href="([^"]+)"', html)
        url = following.group(1).replace("&amp;", "&") if following else None
        if url:
            for kept in ("q=512", "sort=duration", "dir=asc", "per_page=25"):
                assert kept in url
    assert pages == 2 and len(seen) == 32 == len(set(seen))


@pytest.mark.parametrize("key", ["time", "duration", "status"])
@pytest.mark.parametrize("descending", [True, False])
def test_keyset_pages_in_every_order_cover_each_call_once_and_walk_back(
    make_account, key, descending
):
    _, _, workspace = make_account()
    calls = [
        add_call(
            workspace,
            START + timedelta(minutes=n // 3),
            duration=n % 4,
            status=("answered", "missed", "busy")[n % 3],
        )
        for n in range(11)
    ]
    db.session.commit()
    attribute = {"time": "started_at", "duration": "duration_seconds", "status": "status"}[key]
    expected = [
        c.uuid
        for c in sorted(calls, key=lambda c: (getattr(c, attribute), c.id), reverse=descending)
    ]
    sort, filters = CallSort(key, descending), parse_call_filters(workspace)
    pages, cursor = [], None
    while True:
        page = list_calls(workspace, filters, cursor, 4, sort)
        pages.append(page)
        if page.older_cursor is None:
            break
        cursor = page.older_cursor
    assert [c.uuid for page in pages for c in page.calls] == expected
    back = list_calls(workspace, filters, pages[-1].newer_cursor, 4, sort)
    assert [c.uuid for c in back.calls] == [c.uuid for c in pages[-2].calls]


def test_every_sort_pages_from_its_own_index_however_deep(make_account):
    workspaces = [make_account()[2] for _ in range(3)]
    workspace = workspaces[0]
    fill_calls(workspaces, 1500, START)
    filters = parse_call_filters(workspace)
    for key in ("time", "duration", "status"):
        for descending in (True, False):
            sort = CallSort(key, descending)
            deep = None
            for _ in range(5):
                deep = list_calls(workspace, filters, deep, 200, sort).older_cursor
            with captured_call_queries() as seen:
                list_calls(workspace, filters, deep, 200, sort)
            assert len(seen) == 1
            plan = query_plan(*seen[0])
            assert_uses_an_index(plan)
            if db.engine.dialect.name == "sqlite":
                # Rows come off the sort's own index in page order, however deep; PostgreSQL
                # may still choose to sort a table this small.
                assert_no_sort(plan)


@pytest.mark.parametrize(
    ("period", "today", "first", "last"),
    [
        ("today", date(2024, 3, 10), date(2024, 3, 10), date(2024, 3, 10)),
        ("7d", date(2024, 3, 10), date(2024, 3, 4), date(2024, 3, 10)),
        ("30d", date(2024, 3, 10), date(2024, 2, 10), date(2024, 3, 10)),
        ("this_month", date(2024, 3, 10), date(2024, 3, 1), date(2024, 3, 10)),
        ("last_month", date(2024, 3, 10), date(2024, 2, 1), date(2024, 2, 29)),
        ("last_month", date(2024, 1, 31), date(2023, 12, 1), date(2023, 12, 31)),
        ("", date(2024, 3, 10), None, None),
        ("custom", date(2024, 3, 10), None, None),
    ],
)
def test_date_presets_cover_whole_local_days(period, today, first, last):
    assert period_dates(period, today) == (first, last)


def test_date_presets_filter_the_log_in_the_workspace_zone(client, make_account):
    _, user, workspace = make_account()
    now = utcnow()
    add_call(workspace, now - timedelta(minutes=1), caller="+15125550001")
    add_call(workspace, now - timedelta(days=10), caller="+15125550002")
    add_call(workspace, now - timedelta(days=45), caller="+15125550003")
    db.session.commit()
    sign_in(client, user.email)

    def shown(query: str) -> list[str]:
        return rows_of(client.get(f"/calls?{query}").get_data(as_text=True))

    assert shown("period=today") == ["(512) 555-0001"]
    assert shown("period=7d") == ["(512) 555-0001"]
    assert shown("period=30d") == ["(512) 555-0001", "(512) 555-0002"]
    # A preset wins over dates left in the form; "custom" uses them.
    assert shown("period=today&start_date=2000-01-01") == ["(512) 555-0001"]
    assert len(shown("period=custom&start_date=2000-01-01")) == 3
