"""Every response carries a request id; only a declared proxy may choose it."""

from __future__ import annotations

import re

import pytest

from ringtonic import create_app

GENERATED = re.compile(r"[0-9a-f]{32}")
PROXY_ID = "3f0c2a4e-6b1d-4a51-9d6e-2b7f0d1c9e88"


def test_generated_per_request_and_echoed(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/login").headers["X-Request-Id"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_a_clients_own_id_is_ignored_without_a_trusted_proxy(client):
    response = client.get("/healthz", headers={"X-Request-Id": PROXY_ID})
    assert response.headers["X-Request-Id"] != PROXY_ID


def test_a_trusted_proxys_id_is_kept(app_config):
    app_config["RINGTONIC_TRUSTED_PROXIES"] = 1
    client = create_app(app_config).test_client()
    response = client.get("/api/v1/me", headers={"X-Request-Id": PROXY_ID})
    assert response.headers["X-Request-Id"] == PROXY_ID
    assert response.get_json()["request_id"] == PROXY_ID


@pytest.mark.parametrize(
    "hostile", ["a b", "x" * 129, 'id"injected', "line\u2028break", "-leading-dash", ""]
)
def test_a_malformed_proxy_id_is_replaced(app_config, hostile):
    app_config["RINGTONIC_TRUSTED_PROXIES"] = 1
    client = create_app(app_config).test_client()
    response = client.get("/healthz", headers={"X-Request-Id": hostile})
    assert GENERATED.fullmatch(response.headers["X-Request-Id"])


def test_problem_bodies_quote_the_id_of_their_response(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.get_json()["request_id"] == response.headers["X-Request-Id"]


def test_html_error_pages_carry_the_header_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert GENERATED.fullmatch(response.headers["X-Request-Id"])
