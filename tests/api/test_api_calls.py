"""GET /api/v1/calls and /api/v1/calls/{uuid}: every field, every filter, workspace scoping."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber
from tests.support.api_support import assert_invalid, assert_problem, seed_demo_api, walk
from tests.support.call_fixtures import add_call
from tests.support.keys import api_get, issue_key, recorded_statements

CALL_FIELDS = {
    "uuid",
    "started_at",
    "duration_seconds",
    "status",
    "first_call",
    "spam",
    "caller_number",
    "caller_city",
    "caller_state",
    "caller_zip",
    "caller_country",
    "source",
    "medium",
    "tracking_number",
    "phone_number",
    "campaign",
    "provider_call_id",
    "external_id",
    "note",
    "tags",
    "lead_status",
    "value",
    "visitor_session",
    "created_at",
    "updated_at",
}


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=300)


def workspace_calls(workspace) -> list[Call]:
    """The workspace's calls as the API orders them: newest first, later id first on ties."""
    return list(
        db.session.scalars(
            select(Call)
            .where(Call.workspace_id == workspace.id)
            .order_by(Call.started_at.desc(), Call.id.desc())
        )
    )


def listed(client, demo, query: str = "") -> list[str]:
    items, _ = walk(client, f"/api/v1/calls?limit=200&{query}", demo.read_key)
    return [item["uuid"] for item in items]


def uuids(calls) -> list[str]:
    return [str(call.uuid) for call in calls]


def test_calls_list_newest_first_with_every_field(client, demo):
    expected = workspace_calls(demo.workspace)
    response = api_get(client, "/api/v1/calls", demo.read_key)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert len(body["data"]) == 50 and body["next_cursor"]
    assert [item["uuid"] for item in body["data"]] == uuids(expected[:50])
    assert all(set(item) == CALL_FIELDS for item in body["data"])
    assert listed(client, demo) == uuids(expected)


def test_call_detail_describes_the_call_and_its_number_and_campaign(client, demo):
    call = workspace_calls(demo.workspace)[3]
    response = api_get(client, f"/api/v1/calls/{call.uuid}", demo.read_key)
    assert response.status_code == 200
    assert response.get_json() == {
        "uuid": str(call.uuid),
        "started_at": call.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_seconds": call.duration_seconds,
        "status": call.status,
        "first_call": call.first_call,
        "spam": False,
        "caller_number": call.caller_number,
        "caller_city": call.caller_city,
        "caller_state": call.caller_state,
        "caller_zip": call.caller_zip,
        "caller_country": call.caller_country,
        "source": call.source,
        "medium": call.medium,
        "tracking_number": call.tracking_number,
        "phone_number": {
            "uuid": str(call.phone_number.uuid),
            "number": call.phone_number.number,
            "friendly_name": call.phone_number.friendly_name,
        },
        "campaign": {"uuid": str(call.campaign.uuid), "name": call.campaign.name},
        "provider_call_id": call.provider_call_id,
        "external_id": None,
        "note": "",
        "tags": [],
        "lead_status": None,
        "value": None,
        "visitor_session": None,
        "created_at": call.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": call.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    page = api_get(client, "/api/v1/calls?limit=4", demo.read_key).get_json()
    assert page["data"][3] == response.get_json()


def test_blank_caller_details_and_missing_links_are_null(client, make_account):
    _, user, workspace = make_account(plan="agency")
    call = add_call(
        workspace,
        datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
        caller="",
        external_id="row-17",
        note="Asked for a quote",
        tags=["vip"],
        lead_status="qualified",
        value=Decimal("1250.5"),
    )
    db.session.commit()
    key = issue_key(workspace, user)
    body = api_get(client, f"/api/v1/calls/{call.uuid}", key).get_json()
    assert {name: body[name] for name in CALL_FIELDS if body[name] is None} == {
        "caller_number": None,
        "caller_city": None,
        "caller_state": None,
        "caller_zip": None,
        "caller_country": None,
        "source": None,
        "medium": None,
        "phone_number": None,
        "campaign": None,
        "provider_call_id": None,
        "visitor_session": None,
    }
    assert body["started_at"] == "2026-01-05T09:30:00Z"
    assert body["tracking_number"] == "+15125550100"
    assert (body["external_id"], body["note"], body["tags"]) == (
        "row-17",
        "Asked for a quote",
        ["vip"],
    )
    assert (body["lead_status"], body["value"]) == ("qualified", "1250.50")


def test_filter_by_campaign_and_tracking_number(client, demo):
    calls = workspace_calls(demo.workspace)
    campaign = db.session.get(Campaign, calls[0].campaign_id)
    number = db.session.get(PhoneNumber, calls[0].phone_number_id)
    by_campaign = [c for c in calls if c.campaign_id == campaign.id]
    by_number = [c for c in calls if c.phone_number_id == number.id]
    assert 0 < len(by_campaign) < len(calls) and 0 < len(by_number) < len(calls)
    assert listed(client, demo, f"campaign={campaign.uuid}") == uuids(by_campaign)
    assert listed(client, demo, f"tracking_number={number.uuid}") == uuids(by_number)
    both = f"campaign={campaign.uuid}&tracking_number={number.uuid}"
    assert listed(client, demo, both) == uuids([c for c in by_campaign if c in by_number])


def test_filter_by_status_first_time_duration_and_state(client, demo):
    calls = workspace_calls(demo.workspace)
    missed = [c for c in calls if c.status == "missed"]
    first = [c for c in calls if c.first_call]
    repeat = [c for c in calls if not c.first_call]
    long_calls = [c for c in calls if c.duration_seconds >= 120]
    states = {c.caller_state for c in calls}
    in_texas = [c for c in calls if c.caller_state == "TX"]
    assert missed and first and repeat and long_calls and 0 < len(in_texas) < len(calls)
    assert len(states) > 1
    assert listed(client, demo, "status=missed") == uuids(missed)
    assert listed(client, demo, "first_time=true") == uuids(first)
    assert listed(client, demo, "first_time=false") == uuids(repeat)
    assert listed(client, demo, "min_duration=120") == uuids(long_calls)
    assert listed(client, demo, "min_duration=0") == uuids(calls)
    assert listed(client, demo, "state=TX") == uuids(in_texas)
    assert listed(client, demo, "state=tx") == uuids(in_texas)
    combined = [c for c in missed if c.first_call and c.caller_state == "TX"]
    assert listed(client, demo, "status=missed&first_time=1&state=TX") == uuids(combined)


def test_date_filters_read_local_days_in_the_workspace_or_given_zone(client, demo):
    calls = workspace_calls(demo.workspace)
    chicago, tokyo = ZoneInfo("America/Chicago"), ZoneInfo("Asia/Tokyo")
    assert demo.workspace.time_zone == "America/Chicago"
    day = calls[40].started_at.astimezone(chicago).date()

    def on_local_days(zone, first, last):
        return [c for c in calls if first <= c.started_at.astimezone(zone).date() <= last]

    week_end = day + timedelta(days=6)
    expected = on_local_days(chicago, day, week_end)
    assert 0 < len(expected) < len(calls)
    assert listed(client, demo, f"start_date={day}&end_date={week_end}") == uuids(expected)
    in_tokyo = on_local_days(tokyo, day, week_end)
    assert in_tokyo != expected
    query = f"start_date={day}&end_date={week_end}&time_zone=Asia/Tokyo"
    assert listed(client, demo, query) == uuids(in_tokyo)
    since_only = [c for c in calls if c.started_at.astimezone(chicago).date() >= day]
    assert listed(client, demo, f"start_date={day}") == uuids(since_only)
    until_only = [c for c in calls if c.started_at.astimezone(chicago).date() <= day]
    assert listed(client, demo, f"end_date={day}") == uuids(until_only)


def test_date_time_bounds_are_exact_instants_start_included_end_excluded(client, demo):
    calls = workspace_calls(demo.workspace)
    newer, older = calls[10].started_at, calls[30].started_at
    expected = [c for c in calls if older <= c.started_at < newer]
    start = older.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = newer.astimezone(ZoneInfo("America/Denver")).isoformat().replace("+", "%2B")
    assert calls[30] in expected and calls[10] not in expected and len(expected) >= 20
    assert listed(client, demo, f"start_date={start}&end_date={end}") == uuids(expected)


def test_an_offset_whose_plus_was_not_encoded_means_the_same_instant(client, demo):
    """A query string decodes "+" as a space: curl with a hand-built URL sends it so."""
    calls = workspace_calls(demo.workspace)
    newer, older = calls[10].started_at, calls[30].started_at
    expected = uuids([c for c in calls if older <= c.started_at < newer])
    tokyo = ZoneInfo("Asia/Tokyo")
    start, end = (moment.astimezone(tokyo).isoformat() for moment in (older, newer))
    assert "+09:00" in start
    encoded = f"start_date={start.replace('+', '%2B')}&end_date={end.replace('+', '%2B')}"
    assert listed(client, demo, encoded) == expected
    assert listed(client, demo, f"start_date={start}&end_date={end}") == expected
    summary = "/api/v1/reports/summary?group_by=source&start_date={}&end_date={}"
    as_sent = api_get(client, summary.format(start, end), demo.read_key)
    assert as_sent.status_code == 200
    assert (
        as_sent.get_json()
        == api_get(
            client,
            summary.format(start.replace("+", "%2B"), end.replace("+", "%2B")),
            demo.read_key,
        ).get_json()
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start_date=2026-02-30", "start_date"),
        ("start_date=yesterday", "start_date"),
        ("end_date=2026-13-01", "end_date"),
        ("start_date=1999-12-31", "start_date"),
        ("start_date=2026-03-10&end_date=2026-03-09", "end_date"),
        ("start_date=2026-03-10T12:00:00Z&end_date=2026-03-10T11:00:00Z", "end_date"),
        ("time_zone=Mars/Olympus_Mons", "time_zone"),
        ("status=ringing-ish", "status"),
        ("first_time=maybe", "first_time"),
        ("min_duration=-1", "min_duration"),
        ("min_duration=86401", "min_duration"),
        ("min_duration=1.5", "min_duration"),
        ("state=" + "X" * 51, "state"),
        ("campaign=not-a-uuid", "campaign"),
        (f"campaign={uuid.uuid4()}", "campaign"),
        (f"tracking_number={uuid.uuid4()}", "tracking_number"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=%%%", "cursor"),
        ("page=2", "page"),
        ("status=missed&status=answered", "status"),
    ],
)
def test_bad_query_parameters_name_their_field(client, demo, query, field):
    assert_invalid(api_get(client, f"/api/v1/calls?{query}", demo.read_key), field)


def test_filters_naming_another_workspaces_objects_are_refused_like_unknown_ones(client, demo):
    theirs = db.session.scalars(
        select(Campaign).where(Campaign.workspace_id == demo.other_workspace.id)
    ).first()
    response = api_get(client, f"/api/v1/calls?campaign={theirs.uuid}", demo.read_key)
    unknown = api_get(client, f"/api/v1/calls?campaign={uuid.uuid4()}", demo.read_key)
    assert assert_invalid(response, "campaign") == assert_invalid(unknown, "campaign")


def test_a_key_reads_only_its_own_workspaces_calls(client, demo):
    theirs = workspace_calls(demo.other_workspace)[0]
    other_key = issue_key(demo.other_workspace, demo.user)
    answers = [
        api_get(client, f"/api/v1/calls/{ident}", demo.read_key)
        for ident in (theirs.uuid, uuid.uuid4(), "nope", "0" * 40)
    ]
    bodies = [assert_problem(answer, 404, "not_found") for answer in answers]
    assert all(body == bodies[0] for body in bodies)
    assert set(listed(client, demo)) == set(uuids(workspace_calls(demo.workspace)))
    theirs_listed = walk(client, "/api/v1/calls?limit=200", other_key)[0]
    assert {item["uuid"] for item in theirs_listed} == set(
        uuids(workspace_calls(demo.other_workspace))
    )
    own = api_get(client, f"/api/v1/calls/{theirs.uuid}", other_key)
    assert own.status_code == 200


def test_a_page_costs_the_same_queries_whatever_its_size(client, demo):
    key = demo.read_key
    api_get(client, "/api/v1/calls?limit=1", key)  # records the key's last use
    counts = {}
    for limit in (1, 50, 200):
        with recorded_statements() as statements:
            assert api_get(client, f"/api/v1/calls?limit={limit}", key).status_code == 200
        counts[limit] = len(statements)
    # Authentication, the workspace's data version (the page's ETag covers the names it
    # shows) and the page itself: campaigns and numbers come joined, never one by one.
    assert counts == {1: 3, 50: 3, 200: 3}
