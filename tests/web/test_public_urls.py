"""Every absolute URL the app hands out honours RINGTONIC_PUBLIC_URL: scheme, host, prefix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator

from ringtonic import create_app
from ringtonic.config import ConfigError, from_environment
from ringtonic.extensions import db
from tests.support.call_fixtures import add_call
from tests.support.keys import bearer, issue_key
from tests.support.team_support import LINK_RE
from tests.support.telephony_helpers import (
    AUTH_TOKEN,
    add_tracking_number,
    connect_twilio,
    voice_params,
)
from tests.support.web_client import post_form, sign_in

PUBLIC = "https://calls.example.com/ringtonic"
# Where the app may be reached behind the proxy: at the root (the proxy strips the prefix)
# or mounted under the same prefix (SCRIPT_NAME); the public URL must come out the same.
INTERNAL_ADDRESSES = ["http://localhost:8000", "http://localhost:8000/ringtonic"]


@pytest.fixture
def public_client(app, app_config):
    """A client of an app whose operator set a public URL with a path prefix."""
    app_config["RINGTONIC_PUBLIC_URL"] = PUBLIC + "/"
    return create_app(app_config).test_client()


@pytest.fixture
def three_calls(make_account):
    """An Agency workspace with three calls and a read key."""
    _, user, workspace = make_account(plan="agency")
    for hour in (9, 10, 11):
        add_call(workspace, datetime(2026, 5, 4, hour, 0, tzinfo=UTC))
    db.session.commit()
    return workspace, user, issue_key(workspace, user)


def next_link(response) -> str:
    link = response.headers["Link"]
    assert link.startswith("<") and link.endswith('>; rel="next"'), link
    return link[1 : link.index(">")]


@pytest.mark.parametrize("internal", INTERNAL_ADDRESSES)
def test_pagination_links_are_on_the_public_url(public_client, three_calls, internal):
    _, _, key = three_calls
    response = public_client.get(
        "/api/v1/calls?limit=1&status=answered", headers=bearer(key), base_url=internal
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    cursor = response.get_json()["next_cursor"]
    assert next_link(response) == (f"{PUBLIC}/api/v1/calls?limit=1&status=answered&cursor={cursor}")


def test_without_a_public_url_links_keep_the_address_and_mount_point_of_the_request(
    client, three_calls
):
    _, _, key = three_calls
    response = client.get(
        "/api/v1/calls?limit=1", headers=bearer(key), base_url="http://localhost/ringtonic"
    )
    assert next_link(response).startswith("http://localhost/ringtonic/api/v1/calls?limit=1&")


def test_a_trusted_proxy_may_report_the_prefix_it_strips(app, app_config, three_calls):
    app_config["RINGTONIC_TRUSTED_PROXIES"] = 1
    proxied = create_app(app_config).test_client()
    _, _, key = three_calls
    response = proxied.get(
        "/api/v1/calls?limit=1",
        headers={
            **bearer(key),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "calls.example.com",
            "X-Forwarded-Prefix": "/ringtonic",
        },
    )
    assert next_link(response).startswith(f"{PUBLIC}/api/v1/calls?limit=1&")


@pytest.mark.parametrize("internal", INTERNAL_ADDRESSES)
def test_the_openapi_document_and_api_docs_name_the_public_url(public_client, internal):
    document = public_client.get("/api/v1/openapi.json", base_url=internal).get_json()
    assert document["servers"][0]["url"] == f"{PUBLIC}/api/v1"
    page = public_client.get("/docs/api", base_url=internal).get_data(as_text=True)
    assert f'href="{PUBLIC}/api/v1/openapi.json"' in page
    assert f'  "{PUBLIC}/api/v1/me"</code>' in page


def test_without_a_public_url_the_document_names_the_mount_point(client):
    document = client.get("/api/v1/openapi.json", base_url="http://localhost/ringtonic").get_json()
    assert document["servers"][0]["url"] == "/ringtonic/api/v1"


@pytest.mark.parametrize("internal", INTERNAL_ADDRESSES)
def test_webhook_urls_shown_in_settings_are_on_the_public_url(
    public_client, make_account, internal
):
    _, user, workspace = make_account()
    sign_in(public_client, user.email)
    page = public_client.get("/settings/telephony", base_url=internal).get_data(as_text=True)
    assert f"{PUBLIC}/hooks/twilio/voice/{workspace.uuid}" in page
    assert f"{PUBLIC}/hooks/twilio/status/{workspace.uuid}" in page
    assert "/ringtonic/ringtonic" not in page and "localhost:8000" not in page


@pytest.mark.parametrize("internal", INTERNAL_ADDRESSES)
def test_twilio_signs_the_public_url_with_its_prefix(public_client, make_account, internal):
    _, _, workspace = make_account()
    connect_twilio(workspace)
    add_tracking_number(workspace)
    path = f"/hooks/twilio/voice/{workspace.uuid}"
    params = voice_params()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, params)
    response = public_client.post(
        path, data=params, headers={"X-Twilio-Signature": signature}, base_url=internal
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert f'action="{PUBLIC}/hooks/twilio/status/{workspace.uuid}"' in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize("internal", INTERNAL_ADDRESSES)
def test_invitation_links_are_on_the_public_url(public_client, make_account, internal):
    _, admin, _ = make_account(plan="agency")
    sign_in(public_client, admin.email)
    response = post_form(
        public_client,
        "/settings/team/invitations",
        {"email": "sam@example.com", "role": "member"},
        page="/settings/team",
        base_url=internal,
    )
    link = LINK_RE.search(response.get_data(as_text=True)).group(1)
    assert link.startswith(f"{PUBLIC}/invitations/") and "/ringtonic/ringtonic" not in link


@pytest.mark.parametrize(
    "value",
    [
        "calls.example.com",
        "ftp://calls.example.com",
        "https://",
        "https://x.example?a=1",
        "https://x.example#top",
    ],
)
def test_a_public_url_that_is_not_one_is_refused_by_name(tmp_path, value):
    env = {"SECRET_KEY": "s" * 40, "RINGTONIC_PUBLIC_URL": value}
    with pytest.raises(ConfigError, match="RINGTONIC_PUBLIC_URL"):
        from_environment(env, tmp_path)


def test_the_public_url_keeps_its_prefix_without_the_trailing_slash(tmp_path):
    env = {"SECRET_KEY": "s" * 40, "RINGTONIC_PUBLIC_URL": " https://calls.example.com/ringtonic/ "}
    assert from_environment(env, tmp_path)["RINGTONIC_PUBLIC_URL"] == PUBLIC
