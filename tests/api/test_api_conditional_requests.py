"""Pollers revalidate with If-None-Match: 304 while nothing changed, free of the key's quota."""

from __future__ import annotations

import pytest

from ringtonic.extensions import db
from tests.support.api_support import seed_demo_api
from tests.support.keys import api_get

QUOTA = 8


@pytest.fixture
def app_config(app_config):
    """Rate limits on, counted in memory, eight requests a minute per key."""
    app_config["RATELIMIT_ENABLED"] = True
    app_config["RINGTONIC_API_RATE_LIMITS"] = f"{QUOTA} per minute"
    return app_config


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=40)


def _paths(client, demo) -> list[str]:
    first = api_get(client, "/api/v1/calls?limit=5", demo.read_key).get_json()["data"][0]
    return [
        "/api/v1/calls?limit=5",
        f"/api/v1/calls/{first['uuid']}",
        f"/api/v1/campaigns/{first['campaign']['uuid']}",
        "/api/v1/campaigns",
        "/api/v1/phone-numbers",
        f"/api/v1/phone-numbers/{first['phone_number']['uuid']}",
    ]


def test_a_revalidation_answers_304_without_a_body_and_costs_no_quota(client, demo):
    paths = _paths(client, demo)
    for path in paths:
        full = api_get(client, path, demo.write_key)
        assert full.status_code == 200, path
        etag = full.headers["ETag"]
        assert etag.startswith('W/"')
        assert full.headers["Cache-Control"] == "private, no-cache"
        for _ in range(5):
            again = api_get(client, path, demo.write_key, headers={"If-None-Match": etag})
            assert again.status_code == 304, path
            assert again.data == b""
            assert again.headers["ETag"] == etag
            assert again.headers["Cache-Control"] == "private, no-cache"
            assert "RateLimit" not in again.headers
    # Only the full answers counted: what is left of the quota is still there.
    for _ in range(QUOTA - len(paths)):
        assert api_get(client, "/api/v1/me", demo.write_key).status_code == 200
    assert api_get(client, "/api/v1/me", demo.write_key).status_code == 429


def test_a_change_gives_a_new_etag_and_a_full_answer(client, demo):
    listed = api_get(client, "/api/v1/calls?limit=5", demo.write_key)
    call = listed.get_json()["data"][0]
    detail = api_get(client, f"/api/v1/calls/{call['uuid']}", demo.write_key)
    response = client.patch(
        f"/api/v1/calls/{call['uuid']}",
        json={"note": "Booked a visit"},
        headers={"Authorization": f"Bearer {demo.write_key}"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    for path, old in (
        ("/api/v1/calls?limit=5", listed.headers["ETag"]),
        (f"/api/v1/calls/{call['uuid']}", detail.headers["ETag"]),
    ):
        again = api_get(client, path, demo.write_key, headers={"If-None-Match": old})
        assert again.status_code == 200, path
        assert again.headers["ETag"] != old


def test_a_stale_etag_is_charged_and_refused_once_the_quota_is_used(client, demo):
    for _ in range(QUOTA):
        assert api_get(client, "/api/v1/campaigns", demo.read_key).status_code == 200
    refused = api_get(
        client, "/api/v1/campaigns", demo.read_key, headers={"If-None-Match": 'W/"stale"'}
    )
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"]


def test_other_filters_have_other_etags(client, demo):
    first = api_get(client, "/api/v1/calls?limit=5", demo.read_key).headers["ETag"]
    other = api_get(client, "/api/v1/calls?limit=6", demo.read_key).headers["ETag"]
    assert first != other
