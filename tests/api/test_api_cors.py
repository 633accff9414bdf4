"""Opt-in CORS for /api/v1: listed origins only, preflights answered, never with credentials."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ringtonic import create_app
from ringtonic.config import ConfigError, from_environment
from ringtonic.extensions import db
from tests.support.call_fixtures import add_call
from tests.support.keys import bearer, issue_key
from tests.support.web_client import sign_in

DASHBOARD = "https://dashboard.agency.example"
LOCAL = "http://localhost:3000"
CREDENTIALS = "Access-Control-Allow-Credentials"


@pytest.fixture
def crm(make_account):
    """An Agency workspace with two calls, a read key and a read-write key."""
    _, user, workspace = make_account(plan="agency")
    calls = [add_call(workspace, datetime(2026, 5, 4, h, 0, tzinfo=UTC)) for h in (9, 10)]
    db.session.commit()
    read = issue_key(workspace, user)
    return user, calls, read, issue_key(workspace, user, access="read_write")


@pytest.fixture
def cors_client(app, app_config):
    """A client of an app that lets two dashboards call its API."""
    app_config["RINGTONIC_API_CORS_ORIGINS"] = (DASHBOARD, LOCAL)
    return create_app(app_config).test_client()


def preflight(client, path: str, method: str, origin: str = DASHBOARD, headers: str = ""):
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=request_headers)


def cors_headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("Access-Control-")}


def test_without_configured_origins_no_answer_allows_another_origin(client, crm):
    _, calls, read, _ = crm
    answer = client.get("/api/v1/calls", headers={**bearer(read), "Origin": DASHBOARD})
    assert answer.status_code == 200 and cors_headers(answer) == {}
    asked = preflight(client, f"/api/v1/calls/{calls[0].uuid}", "PATCH", headers="authorization")
    assert cors_headers(asked) == {}


def test_a_listed_origin_may_read_answers_and_their_paging_and_quota_headers(cors_client, crm):
    _, _, read, _ = crm
    answer = cors_client.get("/api/v1/calls?limit=1", headers={**bearer(read), "Origin": LOCAL})
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == LOCAL
    exposed = {h.strip() for h in answer.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Link", "RateLimit", "RateLimit-Policy", "Retry-After", "WWW-Authenticate"} <= exposed
    assert "Origin" in answer.headers["Vary"]
    assert CREDENTIALS not in answer.headers


def test_errors_are_readable_by_a_listed_origin_too(cors_client, crm):
    missing = cors_client.get("/api/v1/me", headers={"Origin": DASHBOARD})
    assert missing.status_code == 401
    assert missing.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "WWW-Authenticate" in missing.headers["Access-Control-Expose-Headers"]
    gone = cors_client.get("/api/v1/calls/nope", headers={**bearer(crm[2]), "Origin": DASHBOARD})
    assert gone.status_code == 404 and gone.headers["Access-Control-Allow-Origin"] == DASHBOARD


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://dashboard.agency.example.evil.example",
        "null",
        "http://dashboard.agency.example",
        "https://dashboard.agency.example:8443",
    ],
)
def test_other_origins_get_no_cors_headers(cors_client, crm, origin):
    answer = cors_client.get("/api/v1/me", headers={**bearer(crm[2]), "Origin": origin})
    assert answer.status_code == 200 and cors_headers(answer) == {}
    asked = preflight(cors_client, "/api/v1/me", "GET", origin=origin, headers="authorization")
    assert cors_headers(asked) == {}


def test_a_request_without_origin_gets_no_cors_headers(cors_client, crm):
    answer = cors_client.get("/api/v1/me", headers=bearer(crm[2]))
    assert answer.status_code == 200 and cors_headers(answer) == {}
    assert "Origin" in answer.headers["Vary"]


def test_a_preflight_for_a_write_is_answered_without_a_key(cors_client, crm):
    _, calls, _, _ = crm
    asked = preflight(
        cors_client,
        f"/api/v1/calls/{calls[0].uuid}",
        "PATCH",
        headers="authorization, content-type",
    )
    assert asked.status_code == 200 and asked.data == b""
    assert asked.headers["Access-Control-Allow-Origin"] == DASHBOARD
    methods = {m.strip() for m in asked.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS", "PATCH"}
    allowed = {h.strip().lower() for h in asked.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"authorization", "content-type"}
    assert int(asked.headers["Access-Control-Max-Age"]) > 0
    assert CREDENTIALS not in asked.headers
    assert "RateLimit" not in asked.headers


def test_the_write_the_preflight_allowed_then_works(cors_client, crm):
    _, calls, _, write = crm
    answer = cors_client.patch(
        f"/api/v1/calls/{calls[0].uuid}",
        headers={**bearer(write), "Origin": DASHBOARD},
        json={"note": "Called back from the dashboard"},
    )
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert answer.get_json()["note"] == "Called back from the dashboard"


def test_a_preflight_allows_only_the_methods_routed_for_the_path(cors_client, crm):
    _, calls, _, _ = crm
    for path, method in [
        ("/api/v1/calls", "PATCH"),
        ("/api/v1/calls", "DELETE"),
        (f"/api/v1/calls/{calls[0].uuid}", "DELETE"),
        ("/api/v1/me", "POST"),
    ]:
        asked = preflight(cors_client, path, method, headers="authorization")
        assert "Access-Control-Allow-Methods" not in asked.headers, (path, method)
    listed = preflight(cors_client, "/api/v1/calls", "GET", headers="authorization")
    methods = {m.strip() for m in listed.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS"}


def test_a_preflight_allows_no_other_request_headers(cors_client, crm):
    asked = preflight(cors_client, "/api/v1/me", "GET", headers="authorization, x-api-key, cookie")
    assert asked.headers["Access-Control-Allow-Headers"].lower() == "authorization"


def test_cookies_never_authenticate_a_cross_origin_call(cors_client, crm):
    user = crm[0]
    sign_in(cors_client, user.email)
    answer = cors_client.get("/api/v1/me", headers={"Origin": DASHBOARD})
    assert answer.status_code == 401
    assert CREDENTIALS not in answer.headers


@pytest.mark.parametrize("path", ["/login", "/docs/api", "/settings/api-keys", "/healthz"])
def test_pages_outside_the_api_never_allow_other_origins(cors_client, path):
    answer = cors_client.get(path, headers={"Origin": DASHBOARD})
    assert cors_headers(answer) == {}
    asked = preflight(cors_client, path, "POST", headers="content-type")
    assert cors_headers(asked) == {}


def test_origins_are_read_as_browsers_send_them(tmp_path):
    env = {
        "SECRET_KEY": "s" * 40,
        "RINGTONIC_API_CORS_ORIGINS": " HTTPS://Dashboard.Agency.Example:443 , http://localhost:3000,"
        "http://[::1]:8080, https://dashboard.agency.example",
    }
    assert from_environment(env, tmp_path)["RINGTONIC_API_CORS_ORIGINS"] == (
        DASHBOARD,
        LOCAL,
        "http://[::1]:8080",
    )
    assert from_environment({"SECRET_KEY": "s" * 40}, tmp_path)["RINGTONIC_API_CORS_ORIGINS"] == ()


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "https://*.agency.example",
        "dashboard.agency.example",
        "https://dashboard.agency.example/",
        "https://dashboard.agency.example/app",
        "https://dashboard.agency.example?x=1",
        "ftp://dashboard.agency.example",
        "null",
        "https://user@dashboard.agency.example",
        "https://dashboard.agency.example:99999",
        "https://a.example,,https://b.example",
        "https://a.example https://b.example",
    ],
)
def test_origins_that_are_not_exact_are_refused_by_name(tmp_path, value):
    env = {"SECRET_KEY": "s" * 40, "RINGTONIC_API_CORS_ORIGINS": value}
    with pytest.raises(ConfigError, match="RINGTONIC_API_CORS_ORIGINS"):
        from_environment(env, tmp_path)


def test_an_ipv6_origin_is_matched_exactly(app, app_config, crm):
    app_config["RINGTONIC_API_CORS_ORIGINS"] = ("http://[::1]:8080",)
    client = create_app(app_config).test_client()
    listed = client.get("/api/v1/me", headers={**bearer(crm[2]), "Origin": "http://[::1]:8080"})
    assert listed.headers["Access-Control-Allow-Origin"] == "http://[::1]:8080"
    other = client.get("/api/v1/me", headers={**bearer(crm[2]), "Origin": "http://[::1]:8081"})
    assert cors_headers(other) == {}


def test_origins_set_directly_as_text_are_read_like_the_variable(app, app_config, crm):
    app_config["RINGTONIC_API_CORS_ORIGINS"] = f"{DASHBOARD}, {LOCAL}"
    client = create_app(app_config).test_client()
    answer = client.get("/api/v1/me", headers={**bearer(crm[2]), "Origin": LOCAL})
    assert answer.headers["Access-Control-Allow-Origin"] == LOCAL
    app_config["RINGTONIC_API_CORS_ORIGINS"] = "https://*.agency.example"
    with pytest.raises(ConfigError, match="RINGTONIC_API_CORS_ORIGINS"):
        create_app(app_config)
