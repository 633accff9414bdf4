"""One rule for every query parameter: a value is given, or the parameter is left out."""

from __future__ import annotations

import re

import pytest

from ringtonic.api.openapi import build_openapi
from tests.support.keys import api_get, issue_key

# Every documented query parameter, on an operation that accepts it.
QUERY_PARAMETERS = sorted(
    {
        (parameter["name"], path)
        for path, item in build_openapi()["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if method == "get" and parameter["in"] == "query"
    }
)


@pytest.fixture
def key(make_account):
    _account, user, workspace = make_account(plan="agency")
    return issue_key(workspace, user)


def _concrete(path: str) -> str:
    return "/api/v1" + path.replace("{campaign_uuid}", "5a1f0c3e-0000-4000-8000-000000000001")


@pytest.mark.parametrize("blank", ["", "%20%20"], ids=["empty", "blank"])
@pytest.mark.parametrize(("name", "path"), QUERY_PARAMETERS)
def test_an_empty_or_blank_value_is_refused_naming_the_parameter(client, key, name, path, blank):
    extra = "&group_by=source" if path == "/reports/summary" and name != "group_by" else ""
    response = api_get(client, f"{_concrete(path)}?{name}={blank}{extra}", key)
    assert response.status_code == 400, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["code"] == "validation_error"
    assert problem["field"] == name
    assert "empty" in problem["detail"]


def test_every_free_text_parameter_is_documented_as_not_blank():
    for name, path in QUERY_PARAMETERS:
        operation = build_openapi()["paths"][path]["get"]
        schema = next(p["schema"] for p in operation["parameters"] if p["name"] == name)
        if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
            assert schema["minLength"] == 1, (name, path)
            assert not re.search(schema["pattern"], "   "), (name, path)


def test_a_uuid_filter_takes_only_the_canonical_spelling(client, key):
    canonical = "5a1f0c3e-0000-4000-8000-000000000001"
    for spelling in (canonical.replace("-", ""), "{" + canonical + "}"):
        response = api_get(client, f"/api/v1/calls?campaign={spelling}", key)
        assert response.status_code == 400
        assert response.get_json()["field"] == "campaign"


def test_a_value_longer_than_documented_is_refused_even_if_padded(client, key):
    response = api_get(client, "/api/v1/calls?state=TX" + "%20" * 60, key)
    assert response.status_code == 400
    assert response.get_json()["field"] == "state"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start_date=2026-01-01%0A&end_date=2026-01-31", "start_date"),
        ("time_zone=UTC%00", "time_zone"),
        ("group_by=source%1F", "group_by"),
        ("campaign=5a1f0c3e-0000-4000-8000-000000000001%09", "campaign"),
    ],
)
def test_a_control_character_in_a_value_is_refused_naming_the_parameter(client, key, query, field):
    extra = "" if field == "group_by" else "&group_by=source"
    response = api_get(client, f"/api/v1/reports/summary?{query}{extra}", key)
    assert response.status_code == 400, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["code"] == "validation_error"
    assert problem["field"] == field
    assert "printable" in problem["detail"]
