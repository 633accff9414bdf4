"""HEAD, OPTIONS and unsupported methods on every /api/v1 endpoint, and strict parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber
from tests.support.api_support import assert_invalid, assert_problem, seed_demo_api
from tests.support.keys import api_get, bearer


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=20)


def first_uuid(model, workspace) -> str:
    return str(
        db.session.scalar(select(model.uuid).where(model.workspace_id == workspace.id).limit(1))
    )


@pytest.fixture
def paths(demo) -> dict[str, str]:
    return {
        "me": "/api/v1/me",
        "campaigns": "/api/v1/campaigns",
        "campaign": f"/api/v1/campaigns/{first_uuid(Campaign, demo.workspace)}",
        "calls": "/api/v1/calls",
        "call": f"/api/v1/calls/{first_uuid(Call, demo.workspace)}",
        "numbers": "/api/v1/phone-numbers",
        "number": f"/api/v1/phone-numbers/{first_uuid(PhoneNumber, demo.workspace)}",
    }


ALLOWED = {
    "me": {"GET", "HEAD", "OPTIONS"},
    "campaigns": {"GET", "HEAD", "OPTIONS"},
    "campaign": {"GET", "HEAD", "OPTIONS"},
    "calls": {"GET", "HEAD", "OPTIONS"},
    "call": {"GET", "HEAD", "OPTIONS", "PATCH"},
    "numbers": {"GET", "HEAD", "OPTIONS"},
    "number": {"GET", "HEAD", "OPTIONS"},
}
LISTS = {"campaigns", "calls", "numbers"}  # limit=1 so each list has a next page (a Link)
SAME_HEADERS = ("Content-Type", "Content-Length", "Link", "Cache-Control", "RateLimit-Policy")


@pytest.mark.parametrize("name", list(ALLOWED))
def test_head_answers_the_get_headers_without_a_body(client, demo, paths, name):
    path = paths[name] + ("?limit=1" if name in LISTS else "")
    get = api_get(client, path, demo.read_key)
    head = client.head(path, headers=bearer(demo.read_key))
    assert get.status_code == head.status_code == 200
    assert head.data == b"" and get.data
    for header in SAME_HEADERS:
        assert head.headers.get(header) == get.headers.get(header), header


@pytest.mark.parametrize("name", list(ALLOWED))
def test_options_lists_the_methods_without_a_key(client, demo, paths, name):
    response = client.options(paths[name])
    assert response.status_code == 200 and response.data == b""
    assert {m.strip() for m in response.headers["Allow"].split(",")} == ALLOWED[name]
    assert "RateLimit" not in response.headers


@pytest.mark.parametrize("name", list(ALLOWED))
def test_other_methods_answer_405_with_allow(client, demo, paths, name):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        if method in ALLOWED[name]:
            continue
        response = client.open(paths[name], method=method, headers=bearer(demo.write_key))
        body = assert_problem(response, 405, "method_not_allowed")
        assert body["detail"]
        assert {m.strip() for m in response.headers["Allow"].split(",")} == ALLOWED[name]


@pytest.mark.parametrize("name", list(ALLOWED))
def test_every_endpoint_refuses_unknown_query_parameters(client, demo, paths, name):
    response = api_get(client, paths[name] + "?fields=all", demo.read_key)
    body = assert_invalid(response, "fields")
    assert "Unknown query parameter 'fields'" in body["detail"]


@pytest.mark.parametrize("name", list(ALLOWED))
def test_every_endpoint_needs_a_key(client, demo, paths, name):
    assert_problem(client.get(paths[name]), 401, "missing_api_key")
