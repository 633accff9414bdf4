"""Walking /api/v1/calls page by page: complete, no repeats, while calls keep arriving."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call
from tests.support.api_support import assert_invalid
from tests.support.call_fixtures import add_call, add_campaign, add_number
from tests.support.keys import api_get, issue_key
from tests.support.query_plans import (
    assert_cursor_found_by_uuid,
    assert_no_sort,
    assert_uses_an_index,
    captured_call_queries,
    fill_calls,
    query_plan,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def agency(make_account):
    account, user, workspace = make_account(plan="agency")
    return workspace, issue_key(workspace, user)


def add_calls(workspace, count: int, newest: datetime, *, step_minutes: int = 13) -> list[Call]:
    calls = [
        add_call(workspace, newest - timedelta(minutes=step_minutes * n), caller=f"+1512555{n:04d}")
        for n in range(count)
    ]
    db.session.commit()
    return calls


def page_at(client, url: str, key: str) -> tuple[list[str], str | None]:
    response = api_get(client, url, key)
    assert response.status_code == 200, response.get_data(as_text=True)
    link = response.headers.get("Link")
    return [item["uuid"] for item in response.get_json()["data"]], (
        link[1 : link.index(">")] if link else None
    )


def test_pages_of_seven_cover_every_call_once_in_order_even_with_equal_times(client, agency):
    workspace, key = agency
    add_calls(workspace, 30, START)
    # Calls at the very same instant: ordered by their row, and never split or repeated.
    for _ in range(9):
        add_call(workspace, START - timedelta(minutes=13 * 7))
    db.session.commit()
    expected = [
        str(u)
        for u in db.session.scalars(
            select(Call.uuid)
            .where(Call.workspace_id == workspace.id)
            .order_by(Call.started_at.desc(), Call.id.desc())
        )
    ]
    seen, url, sizes = [], "/api/v1/calls?limit=7", []
    while url:
        items, url = page_at(client, url, key)
        seen.extend(items)
        sizes.append(len(items))
    assert seen == expected
    assert sizes == [7, 7, 7, 7, 7, 4]


def test_walking_while_calls_arrive_repeats_nothing_and_skips_nothing(client, agency):
    workspace, key = agency
    existing = {str(call.uuid) for call in add_calls(workspace, 60, START)}
    campaign = add_campaign(workspace)
    number = add_number(workspace, campaign=campaign)
    db.session.commit()
    arrivals = itertools.count(1)
    seen, url = [], "/api/v1/calls?limit=7"
    while url:
        items, url = page_at(client, url, key)
        seen.extend(items)
        n = next(arrivals)
        # Between pages: a live call newer than everything, and an imported call from the past
        # (somewhere in the pages still to come, or in those already read).
        add_call(workspace, START + timedelta(minutes=n), number=number)
        add_call(workspace, START - timedelta(minutes=13 * 7 * n + 5), caller=f"+1737555{n:04d}")
        add_call(workspace, START - timedelta(minutes=13 * 59), caller=f"+1737666{n:04d}")
        db.session.commit()
    assert len(seen) == len(set(seen)), "a call was listed twice"
    assert existing <= set(seen), "a call that existed when the walk began was skipped"
    assert len(set(seen) - existing) > 0  # older imports turned up on later pages


def test_link_keeps_the_filters_and_limit(client, agency):
    workspace, key = agency
    add_calls(workspace, 12, START)
    url = "/api/v1/calls?status=answered&limit=5&min_duration=30"
    response = api_get(client, url, key)
    body = response.get_json()
    assert response.headers["Link"] == (
        "<http://localhost/api/v1/calls?status=answered&limit=5&min_duration=30"
        f'&cursor={body["next_cursor"]}>; rel="next"'
    )


def test_tampered_and_foreign_cursors_are_refused(client, agency, make_account):
    workspace, key = agency
    add_calls(workspace, 5, START)
    cursor = api_get(client, "/api/v1/calls?limit=2", key).get_json()["next_cursor"]
    flipped = ("B" if cursor[0] == "A" else "A") + cursor[1:]
    for bad in (flipped, cursor[:-1], cursor + "A", "o:" + cursor, "%00"):
        assert_invalid(api_get(client, f"/api/v1/calls?cursor={bad}", key), "cursor")
    _, other_user, other_workspace = make_account(plan="agency")
    other_key = issue_key(other_workspace, other_user)
    assert_invalid(api_get(client, f"/api/v1/calls?cursor={cursor}", other_key), "cursor")


def test_deep_pages_are_read_from_the_index_like_the_first(client, make_account):
    _, user, workspace = make_account(plan="agency")
    others = [make_account()[2] for _ in range(3)]
    fill_calls([workspace, *others], 2000, START)
    key = issue_key(workspace, user)
    api_get(client, "/api/v1/calls?limit=1", key)
    url = "/api/v1/calls?limit=50"
    for _ in range(30):  # 1,500 calls deep
        _, url = page_at(client, url, key)
    plans = {}
    for name, page_url in (("first", "/api/v1/calls?limit=50"), ("deep", url)):
        with captured_call_queries() as seen:
            assert api_get(client, page_url, key).status_code == 200
        plans[name] = [query_plan(*statement) for statement in seen]
    # One statement either way: the deep page finds its cursor's call inside the page
    # query, by the unique uuid; nothing grows with depth.
    assert len(plans["first"]) == 1 and len(plans["deep"]) == 1
    for plan in (plans["first"][0], plans["deep"][0]):
        assert_uses_an_index(plan, "calls", "ix_calls_workspace_started")
        assert_no_sort(plan)
    assert_cursor_found_by_uuid(plans["deep"][0])
