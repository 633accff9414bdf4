"""GET /api/v1/campaigns and /api/v1/phone-numbers: shapes, filters, pages, scoping, plans."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from ringtonic.extensions import db
from ringtonic.models import Campaign, PhoneNumber
from ringtonic.models.types import utcnow
from ringtonic.services.telephony.campaigns import set_campaign_archived
from tests.support.api_support import assert_invalid, assert_problem, seed_demo_api, walk
from tests.support.keys import api_get, issue_key
from tests.support.query_plans import (
    analyze,
    assert_cursor_found_by_uuid,
    assert_no_sort,
    assert_uses_an_index,
    captured_queries,
    query_plan,
)


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=30)


def newest_first(model, workspace) -> list:
    return list(
        db.session.scalars(
            select(model)
            .where(model.workspace_id == workspace.id)
            .order_by(model.created_at.desc(), model.id.desc())
        )
    )


def test_campaigns_list_newest_first_with_every_field(client, demo):
    response = api_get(client, "/api/v1/campaigns", demo.read_key)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    expected = newest_first(Campaign, demo.workspace)
    assert len(expected) >= 4 and body["next_cursor"] is None
    assert "Link" not in response.headers
    assert [item["uuid"] for item in body["data"]] == [str(c.uuid) for c in expected]
    first, campaign = body["data"][0], expected[0]
    assert first == {
        "uuid": str(campaign.uuid),
        "name": campaign.name,
        "type": "static",
        "status": "active",
        "created_at": campaign.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "archived_at": None,
    }


def test_campaigns_filter_by_status(client, demo):
    archived = newest_first(Campaign, demo.workspace)[1]
    set_campaign_archived(archived, True)
    db.session.commit()
    only_archived = api_get(client, "/api/v1/campaigns?status=archived", demo.read_key)
    [item] = only_archived.get_json()["data"]
    assert item["uuid"] == str(archived.uuid) and item["status"] == "archived"
    assert item["archived_at"].endswith("Z")
    active = api_get(client, "/api/v1/campaigns?status=active", demo.read_key).get_json()
    assert str(archived.uuid) not in {c["uuid"] for c in active["data"]}
    assert len(active["data"]) == len(newest_first(Campaign, demo.workspace)) - 1
    assert_invalid(api_get(client, "/api/v1/campaigns?status=paused", demo.read_key), "status")


def test_campaign_detail(client, demo):
    campaign = newest_first(Campaign, demo.workspace)[-1]
    response = api_get(client, f"/api/v1/campaigns/{campaign.uuid}", demo.read_key)
    assert response.status_code == 200
    assert response.get_json()["uuid"] == str(campaign.uuid)
    assert response.get_json()["name"] == campaign.name


def test_phone_numbers_list_and_detail_carry_their_campaign(client, demo):
    expected = newest_first(PhoneNumber, demo.workspace)
    items, _ = walk(client, "/api/v1/phone-numbers", demo.read_key)
    assert [item["uuid"] for item in items] == [str(n.uuid) for n in expected]
    number = expected[0]
    detail = api_get(client, f"/api/v1/phone-numbers/{number.uuid}", demo.read_key)
    assert detail.status_code == 200
    assert detail.get_json() == {
        "uuid": str(number.uuid),
        "number": number.number,
        "friendly_name": number.friendly_name,
        "forwarding_number": number.forwarding_number,
        "campaign": {"uuid": str(number.campaign.uuid), "name": number.campaign.name},
        "source": number.source,
        "medium": number.medium,
        "created_at": number.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert items[0] == detail.get_json()


def test_a_number_outside_any_campaign_has_a_null_campaign(client, demo):
    number = newest_first(PhoneNumber, demo.workspace)[0]
    number.campaign_id = None
    db.session.commit()
    detail = api_get(client, f"/api/v1/phone-numbers/{number.uuid}", demo.read_key)
    assert detail.get_json()["campaign"] is None


@pytest.mark.parametrize("path", ["/api/v1/campaigns", "/api/v1/phone-numbers"])
def test_small_pages_walk_the_whole_list_once(client, demo, path):
    everything = api_get(client, path, demo.read_key).get_json()["data"]
    items, pages = walk(client, path + "?limit=2", demo.read_key)
    assert items == everything
    assert all(len(page["data"]) == 2 for page in pages[:-1]) and len(pages) >= 2


@pytest.mark.parametrize("path", ["/api/v1/campaigns", "/api/v1/phone-numbers"])
def test_list_parameters_are_checked(client, demo, path):
    key = demo.read_key
    assert_invalid(api_get(client, path + "?sort=name", key), "sort")
    for limit in ("0", "201", "ten", "-1"):
        assert_invalid(api_get(client, f"{path}?limit={limit}", key), "limit")
    for cursor in ("not-a-cursor", "AAAA", "x" * 300, "_fejM9-yTZKh-S46CbiP4w!"):
        assert_invalid(api_get(client, f"{path}?cursor={cursor}", key), "cursor")
    assert api_get(client, path + "?limit=200", key).status_code == 200
    assert api_get(client, path + "?limit=1", key).status_code == 200


def test_a_cursor_from_another_list_or_workspace_is_refused(client, demo):
    campaigns = api_get(client, "/api/v1/campaigns?limit=1", demo.read_key).get_json()
    numbers_url = f"/api/v1/phone-numbers?cursor={campaigns['next_cursor']}"
    assert_invalid(api_get(client, numbers_url, demo.read_key), "cursor")
    other_key = issue_key(demo.other_workspace, demo.user)
    other_url = f"/api/v1/campaigns?cursor={campaigns['next_cursor']}"
    assert_invalid(api_get(client, other_url, other_key), "cursor")


@pytest.mark.parametrize(
    ("collection", "model"), [("campaigns", Campaign), ("phone-numbers", PhoneNumber)]
)
def test_objects_of_other_workspaces_are_not_found_like_missing_ones(
    client, demo, collection, model
):
    theirs = newest_first(model, demo.other_workspace)[0]
    answers = [
        api_get(client, f"/api/v1/{collection}/{ident}", demo.read_key)
        for ident in (theirs.uuid, uuid.uuid4(), "not-a-uuid", "123")
    ]
    bodies = [assert_problem(answer, 404, "not_found") for answer in answers]
    assert all(body == bodies[0] for body in bodies)
    listed = api_get(client, f"/api/v1/{collection}?limit=200", demo.read_key).get_json()
    assert str(theirs.uuid) not in {item["uuid"] for item in listed["data"]}


def test_detail_endpoints_refuse_query_parameters(client, demo):
    campaign = newest_first(Campaign, demo.workspace)[0]
    response = api_get(client, f"/api/v1/campaigns/{campaign.uuid}?expand=numbers", demo.read_key)
    assert_invalid(response, "expand")


def _fill(model, workspaces, count: int) -> None:
    start = utcnow() - timedelta(days=400)
    rows = [
        {
            "workspace_id": workspace.id,
            "created_at": start + timedelta(hours=n),
            **(
                {"name": f"Campaign {n}", "type": "static"}
                if model is Campaign
                else {"number": f"+1512{n:07d}", "forwarding_number": "+15125559999"}
            ),
        }
        for workspace in workspaces
        for n in range(count)
    ]
    db.session.execute(insert(model), rows)
    db.session.commit()
    analyze(model.__tablename__)


@pytest.mark.parametrize(
    ("path", "model", "index"),
    [
        ("/api/v1/campaigns", Campaign, "ix_campaigns_workspace_created"),
        ("/api/v1/phone-numbers", PhoneNumber, "ix_phone_numbers_workspace_created"),
    ],
)
def test_deep_pages_are_read_from_the_index_like_the_first(
    client, make_account, path, model, index
):
    _, user, workspace = make_account(plan="agency")
    others = [make_account()[2] for _ in range(3)]
    _fill(model, [workspace, *others], 1500)
    key = issue_key(workspace, user)
    first = api_get(client, path + "?limit=50", key).get_json()
    deep_cursor = first["next_cursor"]
    for _ in range(20):
        deep_cursor = api_get(client, f"{path}?limit=50&cursor={deep_cursor}", key).get_json()[
            "next_cursor"
        ]
    table = model.__tablename__
    plans = {}
    for name, url in (
        ("first", path + "?limit=50"),
        ("deep", f"{path}?limit=50&cursor={deep_cursor}"),
    ):
        with captured_queries(table) as seen:
            assert api_get(client, url, key).status_code == 200
        plans[name] = [query_plan(*statement) for statement in seen]
    # One statement either way: the deep page finds its cursor's row inside the page
    # query, by the unique uuid; nothing grows with depth.
    assert len(plans["first"]) == 1 and len(plans["deep"]) == 1
    page_plan = plans["deep"][0]
    assert_uses_an_index(page_plan, table, index)
    assert_no_sort(page_plan)
    assert_cursor_found_by_uuid(page_plan)
    assert_uses_an_index(plans["first"][0], table, index)
    assert_no_sort(plans["first"][0])
