"""The call list queries: filters, keyset pages, and that indexes (not scans) answer them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ringtonic.extensions import db
from ringtonic.services.calls.pages import list_calls
from ringtonic.services.calls.queries import parse_call_filters
from ringtonic.services.errors import ValidationError
from ringtonic.services.reporting.dashboard import dashboard_summary
from tests.support.call_fixtures import add_call, add_campaign, add_number
from tests.support.query_plans import (
    assert_uses_an_index,
    captured_call_queries,
    fill_calls,
    query_plan,
)

START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def workspace(make_account):
    _, _, workspace = make_account()
    return workspace


def walk_pages(workspace, filters, limit):
    """Follow "older" cursors from the first page to the last; return uuids per page."""
    pages, cursor = [], None
    while True:
        page = list_calls(workspace, filters, cursor, limit)
        pages.append([call.uuid for call in page.calls])
        if page.older_cursor is None:
            return pages, page
        cursor = page.older_cursor


def test_keyset_pages_cover_every_call_once_newest_first_even_with_equal_times(workspace):
    calls = [add_call(workspace, START + timedelta(minutes=n // 3)) for n in range(11)]
    db.session.commit()
    expected = [c.uuid for c in sorted(calls, key=lambda c: (c.started_at, c.id), reverse=True)]
    filters = parse_call_filters(workspace)
    pages, last = walk_pages(workspace, filters, limit=3)
    assert [len(page) for page in pages] == [3, 3, 3, 2]
    assert [uuid for page in pages for uuid in page] == expected
    # Walking back with "newer" cursors retraces the same pages.
    newer = list_calls(workspace, filters, last.newer_cursor, 3)
    assert [c.uuid for c in newer.calls] == pages[2]
    first = list_calls(workspace, filters, None, 3)
    assert first.newer_cursor is None
    back_to_first = list_calls(
        workspace, filters, list_calls(workspace, filters, first.older_cursor, 3).newer_cursor, 3
    )
    assert [c.uuid for c in back_to_first.calls] == pages[0]
    assert back_to_first.newer_cursor is None


def test_cursors_from_another_workspace_or_tampered_are_refused(make_account):
    _, _, mine = make_account()
    _, _, theirs = make_account()
    for _ in range(3):
        add_call(theirs)
    add_call(mine)
    db.session.commit()
    foreign = list_calls(theirs, parse_call_filters(theirs), None, 1).older_cursor
    for cursor in (foreign, "not-base64!", "bjpub3QtYS11dWlk"):
        with pytest.raises(ValidationError) as error:
            list_calls(mine, parse_call_filters(mine), cursor)
        assert error.value.field == "cursor"


def test_date_filters_use_local_days_of_the_workspace(workspace):
    # New York: 2024-03-10 04:30 UTC is 23:30 on March 9 (EST); 03:59 UTC on March 11 is
    # 23:59 on March 10 (EDT, after the clocks went forward).
    late_ninth = add_call(workspace, datetime(2024, 3, 10, 4, 30, tzinfo=UTC))
    late_tenth = add_call(workspace, datetime(2024, 3, 11, 3, 59, tzinfo=UTC))
    eleventh = add_call(workspace, datetime(2024, 3, 11, 4, 0, tzinfo=UTC))
    db.session.commit()
    filters = parse_call_filters(workspace, start_date="2024-03-10", end_date="2024-03-10")
    assert [c.uuid for c in list_calls(workspace, filters).calls] == [late_tenth.uuid]
    since_ninth = parse_call_filters(workspace, start_date="2024-03-09")
    assert {c.uuid for c in list_calls(workspace, since_ninth).calls} == {
        late_ninth.uuid,
        late_tenth.uuid,
        eleventh.uuid,
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"start_date": "10/03/2024"}, "start_date"),
        ({"end_date": "2024-02-30"}, "end_date"),
        ({"start_date": "2024-03-10", "end_date": "2024-03-09"}, "end_date"),
        ({"start_date": "0001-01-01"}, "start_date"),
        ({"status": "won"}, "status"),
        ({"first_time": "maybe"}, "first_time"),
        ({"campaign": "not-a-uuid"}, "campaign"),
        ({"number": "00000000-0000-4000-8000-000000000000"}, "number"),
    ],
)
def test_bad_filter_values_name_their_field(workspace, values, field):
    with pytest.raises(ValidationError) as error:
        parse_call_filters(workspace, **values)
    assert error.value.field == field


def test_another_workspaces_campaign_is_not_a_filter_here(make_account):
    _, _, mine = make_account()
    _, _, theirs = make_account()
    campaign = add_campaign(theirs)
    db.session.commit()
    with pytest.raises(ValidationError) as error:
        parse_call_filters(mine, campaign=str(campaign.uuid))
    assert (error.value.field, error.value.message) == (
        "campaign",
        "No such campaign in this workspace.",
    )


def test_calls_log_queries_are_answered_from_indexes(make_account):
    workspaces = [make_account()[2] for _ in range(4)]
    workspace = workspaces[0]
    campaign = add_campaign(workspace)
    number = add_number(workspace, campaign=campaign)
    db.session.commit()
    fill_calls(workspaces, 1500, START)
    cursor = list_calls(workspace, parse_call_filters(workspace)).older_cursor
    cases = [
        ({}, None),
        ({}, cursor),
        ({"start_date": "2024-02-01", "end_date": "2024-02-20"}, None),
        ({"status": "missed", "first_time": "1"}, cursor),
        ({"campaign": str(campaign.uuid)}, None),
        ({"number": str(number.uuid)}, None),
    ]
    for values, page_cursor in cases:
        filters = parse_call_filters(workspace, **values)
        with captured_call_queries() as seen:
            list_calls(workspace, filters, page_cursor)
        # One statement, with or without a cursor: its call is found inside the page query.
        assert len(seen) == 1, (values, seen)
        for statement, parameters in seen:
            plan = query_plan(statement, parameters)
            assert_uses_an_index(plan)
            if db.engine.dialect.name == "sqlite":
                # Rows come off the index already in page order: no sort, however deep.
                assert "TEMP B-TREE" not in plan, plan
    # The unfiltered first page, the most visited, reads the newest-first index itself.
    with captured_call_queries() as seen:
        list_calls(workspace, parse_call_filters(workspace))
    plan = query_plan(*seen[0])
    assert "ix_calls_workspace_started" in plan, plan


def test_dashboard_queries_are_answered_from_indexes(make_account):
    workspaces = [make_account()[2] for _ in range(4)]
    fill_calls(workspaces, 1500, START)
    with captured_call_queries() as seen:
        dashboard_summary(workspaces[0], now=START)
    # The counts come from the rollups; what still reads calls is the latest call.
    assert seen
    for statement, parameters in seen:
        assert_uses_an_index(query_plan(statement, parameters))
