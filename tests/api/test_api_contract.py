"""The OpenAPI document: public, valid, complete, one error catalogue, examples that fit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from ringtonic.api.errors import PROBLEMS
from ringtonic.api.openapi import build_openapi
from ringtonic.api.openapi_examples import EXAMPLES, LAST_30_DAYS
from ringtonic.services.money_map.geocoding import city_location, state_location, zip_location
from ringtonic.services.reporting.periods import resolve_period

OPERATION_METHODS = {"get", "post", "put", "patch", "delete"}


def served(client, **kwargs) -> dict:
    response = client.get("/api/v1/openapi.json", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_served_without_a_key_and_is_valid_openapi_3_1(client):
    document = served(client)
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api/v1", "description": "This Ring Tonic server."}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerAuth": []}]
    assert document["paths"]["/openapi.json"]["get"]["security"] == []


def test_the_document_names_the_configured_public_url(app_config):
    from ringtonic import create_app

    app_config["RINGTONIC_PUBLIC_URL"] = "https://calls.example.com"
    client = create_app(app_config).test_client()
    assert served(client)["servers"][0]["url"] == "https://calls.example.com/api/v1"


def test_the_document_ignores_credentials_but_refuses_a_key_in_the_url(client):
    assert served(client, headers={"Authorization": "Bearer nonsense"})["openapi"] == "3.1.0"
    response = client.get("/api/v1/openapi.json?api_key=ringtonic_abc")
    assert response.status_code == 400
    assert response.get_json()["code"] == "api_key_in_query"


def test_every_api_route_is_documented_with_its_methods(app):
    paths = build_openapi()["paths"]
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        for method in rule.methods & {m.upper() for m in OPERATION_METHODS}:
            routed.add((method.lower(), path))
    documented = {
        (method, path) for path, item in paths.items() for method in item if method != "parameters"
    }
    assert routed and routed <= documented


def test_problem_codes_come_from_the_one_catalogue(client):
    document = served(client)
    assert document["components"]["schemas"]["Problem"]["properties"]["code"]["enum"] == sorted(
        PROBLEMS
    )
    examples = document["components"]["examples"]
    assert set(examples) == set(PROBLEMS)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                listed = response.get("content", {}).get("application/problem+json")
                if listed is None:
                    continue
                for code in listed["examples"]:
                    assert PROBLEMS[code].status == int(status), (method, path, code)
                    assert examples[code]["value"]["status"] == int(status)


def test_authenticated_operations_document_401_with_www_authenticate(client):
    document = served(client)
    for path, item in document["paths"].items():
        for operation in item.values():
            if operation.get("security") == []:
                assert "401" not in operation["responses"]
                continue
            unauthorized = operation["responses"]["401"]
            assert set(unauthorized["content"]["application/problem+json"]["examples"]) == {
                "missing_api_key",
                "invalid_api_key",
                "revoked_api_key",
            }
            assert "WWW-Authenticate" in unauthorized["headers"], path


def _validator(document: dict, schema: dict) -> Draft202012Validator:
    # Local $refs resolve against the root, so the components ride along with the schema.
    return Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _media_examples(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            for status, response in {
                **operation["responses"],
                "request": {"content": body},
            }.items():
                for media_type, media in response.get("content", {}).items():
                    for name, example in media.get("examples", {}).items():
                        if "$ref" in example:
                            example = document["components"]["examples"][
                                example["$ref"].split("/")[-1]
                            ]
                        yield f"{method} {path} {status} {media_type} {name}", media, example


def test_every_operation_has_an_example_answer_and_every_example_fits_its_schema(client):
    document = served(client)
    for item in document["paths"].values():
        for operation in item.values():
            content = operation["responses"]["200"]["content"]
            if "application/json" in content:
                assert content["application/json"]["examples"]
            else:  # a recording: binary audio has no example to show
                assert list(content) == ["audio/wav"]
    checked = 0
    for label, media, example in _media_examples(document):
        errors = list(_validator(document, media["schema"]).iter_errors(example["value"]))
        assert not errors, (label, [e.message for e in errors])
        checked += 1
    assert checked > 20


def test_example_places_have_the_datasets_coordinates():
    geo = EXAMPLES["GeoData"]
    for entry in geo["by_state"]:
        point = state_location(entry["state"])
        assert (entry["latitude"], entry["longitude"]) == (point.latitude, point.longitude)
    for entry in geo["by_city"]:
        point = city_location(entry["city"], entry["state"])
        assert (entry["latitude"], entry["longitude"]) == (point.latitude, point.longitude)
    for entry in geo["by_zip"]:
        point = zip_location(entry["zip"])
        assert (entry["latitude"], entry["longitude"]) == (point.latitude, point.longitude)


COUNTED = ("calls", "answered", "missed", "first_time_callers")


@pytest.mark.parametrize(
    ("name", "groups"), [("SummaryReport", "groups"), ("TimeseriesReport", "series")]
)
def test_example_reports_add_up(name, groups):
    report = EXAMPLES[name]
    for counter in COUNTED:
        assert sum(g[counter] for g in report[groups]) == report["totals"][counter], counter
    seconds = sum(g["calls"] * g["average_duration"] for g in report[groups])
    assert seconds / report["totals"]["calls"] == pytest.approx(
        report["totals"]["average_duration"], abs=0.1
    )


def test_example_geo_data_adds_up():
    geo = EXAMPLES["GeoData"]
    for grouping in ("by_state", "by_city", "by_zip"):
        located = sum(entry["calls"] for entry in geo[grouping])
        assert located + geo["totals"]["calls_without_location"] == geo["totals"]["calls"]
    for counter in COUNTED:
        assert sum(e[counter] for e in geo["by_zip"]) == sum(e[counter] for e in geo["by_city"])


def test_example_period_is_the_real_default_period():
    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert resolve_period(None, None, "America/Chicago", now).as_dict() == LAST_30_DAYS
