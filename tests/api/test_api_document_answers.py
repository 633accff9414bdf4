"""The document describes every answer an integrator meets, and nothing it never uses."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

from ringtonic.api.openapi import build_openapi
from ringtonic.api.openapi_shared import (
    REQUEST_FIELD_SIZE_LIMIT,
    REQUEST_FIELDS_LIMIT,
    REQUEST_LINE_LIMIT,
)
from tests.support.api_support import assert_problem
from tests.support.keys import issue_key

ROOT = Path(__file__).resolve().parents[2]


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_component_is_referenced_somewhere():
    document = build_openapi()
    text = json.dumps({k: v for k, v in document.items() if k != "components"})
    # Components may reference each other; keep following until nothing new is reached.
    reached, pending = set(), [text]
    while pending:
        chunk = pending.pop()
        for kind, entries in document["components"].items():
            for name, value in entries.items():
                marker = f'"#/components/{kind}/{name}"'
                if (kind, name) not in reached and marker in chunk:
                    reached.add((kind, name))
                    pending.append(json.dumps(value))
    defined = {
        (kind, name)
        for kind, entries in document["components"].items()
        if kind != "securitySchemes"
        for name in entries
    }
    assert defined - reached == set()


def test_every_operation_documents_the_servers_own_answers_and_405_with_allow():
    document = build_openapi()
    shared = document["components"]["responses"]
    assert shared["MethodNotAllowed"]["headers"]["Allow"]
    assert document["components"]["headers"]["Allow"]["required"] is True
    for label, operation in _operations(document):
        responses = operation["responses"]
        for status, name in (
            ("405", "MethodNotAllowed"),
            ("413", "PayloadTooLarge"),
            ("414", "UriTooLong"),
            ("431", "RequestHeaderFieldsTooLarge"),
        ):
            assert responses[status] == {"$ref": f"#/components/responses/{name}"}, label
        assert {"application/problem+json", "text/html"} <= set(responses["400"]["content"])


def test_list_operations_document_their_link_header():
    for label, operation in _operations(build_openapi()):
        headers = operation["responses"]["200"].get("headers", {})
        listing = operation["operationId"].startswith("list")
        assert ("Link" in headers) == listing, label


def test_the_documented_http_limits_are_gunicorns(monkeypatch):
    for name in (
        "GUNICORN_LIMIT_REQUEST_LINE",
        "GUNICORN_LIMIT_REQUEST_FIELD_SIZE",
        "GUNICORN_LIMIT_REQUEST_FIELDS",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["limit_request_line"] == REQUEST_LINE_LIMIT
    assert settings["limit_request_field_size"] == REQUEST_FIELD_SIZE_LIMIT
    assert settings["limit_request_fields"] == REQUEST_FIELDS_LIMIT


def test_a_declared_body_over_the_limit_answers_413_on_any_operation(client, make_account):
    _account, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    for path in ("/api/v1/me", "/api/v1/calls", "/api/v1/openapi.json"):
        response = client.get(
            path,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            data=b"x" * (64 * 1024 + 1),
        )
        body = assert_problem(response, 413, "payload_too_large")
        assert "65,536 bytes" in body["detail"]
