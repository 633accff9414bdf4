"""Integrators can plan: a written policy and changelog, deprecations marked and announced."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ringtonic.api import versioning
from ringtonic.api.openapi import build_openapi
from ringtonic.api.versioning import CHANGELOG, Deprecation
from tests.support.api_support import seed_demo_api
from tests.support.keys import api_get

FIELD = Deprecation(
    since=date(2027, 1, 4),
    note="Read phone_number.number instead.",
    schema="Call",
    field="tracking_number",
    sunset=date(2027, 7, 5),
)
OPERATION = Deprecation(since=date(2027, 2, 1), note="Use /me.", operation_id="listPhoneNumbers")


@pytest.fixture
def deprecated(monkeypatch):
    monkeypatch.setattr(versioning, "DEPRECATIONS", (FIELD, OPERATION))


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=10)


def test_the_docs_state_the_policy_and_the_changelog(client):
    page = client.get("/docs/api").get_data(as_text=True)
    assert 'id="versioning"' in page and 'id="changelog"' in page
    assert "must ignore fields" in page
    assert "Nothing is deprecated in v1." in page
    for change in CHANGELOG:
        assert change.version in page
    assert build_openapi()["info"]["version"] == CHANGELOG[0].version


def test_deprecated_fields_and_operations_are_marked_in_the_document(deprecated):
    document = build_openapi()
    field = document["components"]["schemas"]["Call"]["properties"]["tracking_number"]
    assert field["deprecated"] is True
    assert "2027-01-04" in field["description"] and "2027-07-05" in field["description"]
    assert document["paths"]["/phone-numbers"]["get"]["deprecated"] is True
    assert "deprecated" not in document["paths"]["/campaigns"]["get"]


def test_answers_carrying_a_deprecated_field_announce_it(client, demo, deprecated):
    since = int(datetime(2027, 1, 4, tzinfo=UTC).timestamp())
    for path in ("/api/v1/calls", f"/api/v1/calls/{_a_call(client, demo)}"):
        response = api_get(client, path, demo.read_key)
        assert response.status_code == 200
        assert response.headers["Deprecation"] == f"@{since}"
        assert response.headers["Sunset"] == "Mon, 05 Jul 2027 00:00:00 GMT"
        assert 'rel="deprecation"' in response.headers["Link"]
        assert "/docs/api#versioning" in response.headers["Link"]
    listed = api_get(client, "/api/v1/phone-numbers", demo.read_key)
    assert listed.headers["Deprecation"] == f"@{int(datetime(2027, 2, 1, tzinfo=UTC).timestamp())}"
    assert "Sunset" not in listed.headers
    untouched = api_get(client, "/api/v1/campaigns", demo.read_key)
    assert "Deprecation" not in untouched.headers


def test_the_docs_list_what_is_deprecated(client, deprecated):
    page = client.get("/docs/api").get_data(as_text=True)
    assert "Call.tracking_number" in page and "listPhoneNumbers" in page
    assert "removed after 2027-07-05" in page


def _a_call(client, demo) -> str:
    return api_get(client, "/api/v1/calls?limit=1", demo.read_key).get_json()["data"][0]["uuid"]
