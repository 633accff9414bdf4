"""A page of calls revalidates from a narrow read: 304 only while the body would be the same."""

from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Campaign, PhoneNumber
from ringtonic.services.demo.data import ensure_demo_clients, generate_call_batches, insert_calls
from tests.support.api_support import DEMO_NOW, assert_invalid, seed_demo_api
from tests.support.keys import api_get, issue_key

QUERIES = (
    "/api/v1/calls?limit=5",
    "/api/v1/calls?limit=3&status=answered",
    "/api/v1/calls?limit=4&first_time=true&min_duration=10",
    "/api/v1/calls?limit=200",
)


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=40)


def _answer(client, path: str, key: str, tag: str | None = None):
    db.session.expire_all()
    headers = {"If-None-Match": tag} if tag else {}
    return api_get(client, path, key, headers=headers)


def _assert_new_page(client, path: str, key: str, old_tag: str, old_body: dict) -> None:
    """The old tag gets the full answer, with a new tag and the changed body."""
    answer = _answer(client, path, key, old_tag)
    assert answer.status_code == 200, path
    assert answer.headers["ETag"] != old_tag
    assert answer.get_json() != old_body


def test_every_page_revalidates_to_304_with_the_full_answers_tag(client, demo):
    paths = list(QUERIES)
    cursor = api_get(client, "/api/v1/calls?limit=5", demo.read_key).get_json()["next_cursor"]
    paths.append(f"/api/v1/calls?limit=5&cursor={cursor}")
    for path in paths:
        full = _answer(client, path, demo.read_key)
        assert full.status_code == 200, path
        again = _answer(client, path, demo.read_key, full.headers["ETag"])
        assert again.status_code == 304, path
        assert again.headers["ETag"] == full.headers["ETag"]
        # What a 304 stands for is what a full answer would say now.
        assert _answer(client, path, demo.read_key).get_json() == full.get_json()


@pytest.mark.parametrize(
    ("field", "model", "attribute", "new_name"),
    [
        ("phone_number", PhoneNumber, "friendly_name", "Renamed line"),
        ("campaign", Campaign, "name", "Renamed campaign"),
    ],
)
def test_renaming_what_a_call_on_the_page_names_gives_a_new_tag(
    client, demo, field, model, attribute, new_name
):
    path = "/api/v1/calls?limit=5"
    full = _answer(client, path, demo.read_key)
    wanted = uuid.UUID(full.get_json()["data"][0][field]["uuid"])
    named = db.session.scalars(select(model).where(model.uuid == wanted)).one()
    setattr(named, attribute, new_name)
    db.session.commit()
    _assert_new_page(client, path, demo.read_key, full.headers["ETag"], full.get_json())


def test_a_new_call_gives_the_first_page_a_new_tag(client, demo):
    path = "/api/v1/calls?limit=5"
    full = _answer(client, path, demo.read_key)
    later = DEMO_NOW.replace(year=DEMO_NOW.year + 1)
    clients = ensure_demo_clients(demo.account, DEMO_NOW)[:1]
    for rows in generate_call_batches(clients, 1, 11, later):
        insert_calls(rows)
    db.session.commit()
    _assert_new_page(client, path, demo.read_key, full.headers["ETag"], full.get_json())


def test_an_unknown_cursor_is_refused_even_when_revalidating(client, demo):
    cursor = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    path = f"/api/v1/calls?limit=5&cursor={cursor}"
    answer = _answer(client, path, demo.read_key, 'W/"anything"')
    assert answer.status_code == 400
    assert_invalid(answer, "cursor")


def test_another_workspaces_key_never_gets_a_304_even_for_an_empty_page(client, demo, make_account):
    _, user, workspace = make_account(plan="agency", company="Other Agency")
    other_key = issue_key(workspace, user, name="Other")
    for path in ("/api/v1/calls?limit=5", "/api/v1/calls?limit=5&source=nowhere"):
        tag = _answer(client, path, demo.read_key).headers["ETag"]
        answer = _answer(client, path, other_key, tag)
        assert answer.status_code == 200, path
        assert answer.headers["ETag"] != tag
