"""A revalidation confirms a key from memory in its version read: never a 304 to a changed key."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import ApiKey, Campaign
from ringtonic.services.accounts.accounts import set_plan
from ringtonic.services.accounts.workspaces import update_workspace
from ringtonic.services.keys.api_keys import revoke_api_key
from tests.support.api_support import assert_problem, seed_demo_api
from tests.support.keys import api_get

PERIOD = "start_date=2026-05-01&end_date=2026-06-30"


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=20)


def _paths(client, demo) -> list[str]:
    first = api_get(client, "/api/v1/calls?limit=1", demo.read_key).get_json()["data"][0]
    campaign = first["campaign"]["uuid"]
    return [
        "/api/v1/calls?limit=5",
        "/api/v1/calls?limit=5&source=nowhere",  # an empty page: no row carries the generation
        f"/api/v1/calls/{first['uuid']}",
        f"/api/v1/reports/summary?group_by=source&{PERIOD}",
        f"/api/v1/reports/timeseries?interval=day&campaign={campaign}&{PERIOD}",
        f"/api/v1/campaigns/{campaign}/geo-data?{PERIOD}",
        "/api/v1/campaigns",  # a view that leaves the confirmation to the wrapper
    ]


def _tags(client, demo, paths) -> dict[str, str]:
    tags = {}
    for path in paths:
        answer = api_get(client, path, demo.read_key)
        assert answer.status_code == 200, path
        tags[path] = answer.headers["ETag"]
        again = api_get(client, path, demo.read_key, headers={"If-None-Match": tags[path]})
        assert again.status_code == 304, path  # the key is now in memory
    return tags


def test_a_revoked_key_gets_401_not_304(client, demo):
    tags = _tags(client, demo, _paths(client, demo))
    key = db.session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == demo.workspace.id, ApiKey.name == "Dashboard")
    ).one()
    revoke_api_key(demo.workspace, str(key.uuid), demo.user)
    db.session.commit()
    for path, tag in tags.items():
        answer = api_get(client, path, demo.read_key, headers={"If-None-Match": tag})
        assert_problem(answer, 401, "revoked_api_key")
        assert answer.headers["WWW-Authenticate"].startswith("Bearer"), path
        assert "ETag" not in answer.headers, path


def test_a_downgraded_plan_gets_403_not_304(client, demo):
    tags = _tags(client, demo, _paths(client, demo))
    set_plan(demo.account, "indie")
    db.session.commit()
    for path, tag in tags.items():
        answer = api_get(client, path, demo.read_key, headers={"If-None-Match": tag})
        assert_problem(answer, 403, "plan_required")


def test_a_changed_time_zone_is_used_at_once(client, demo):
    """The key's workspace is read again and the view starts over with its new time zone."""
    path = f"/api/v1/reports/timeseries?interval=day&{PERIOD}"
    tag = _tags(client, demo, [path])[path]
    update_workspace(demo.workspace, demo.workspace.name, "Pacific/Auckland", demo.user)
    db.session.commit()
    answer = api_get(client, path, demo.read_key, headers={"If-None-Match": tag})
    assert answer.status_code == 200
    assert answer.headers["ETag"] != tag
    assert answer.get_json() == api_get(client, path, demo.read_key).get_json()
    assert "Pacific/Auckland" in answer.get_data(as_text=True)


def test_an_error_answer_waits_for_the_key_too(client, demo):
    _tags(client, demo, _paths(client, demo))
    key = db.session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == demo.workspace.id, ApiKey.name == "Dashboard")
    ).one()
    revoke_api_key(demo.workspace, str(key.uuid), demo.user)
    db.session.commit()
    campaign = db.session.scalars(select(Campaign)).first()
    for path in (
        "/api/v1/calls/00000000-0000-4000-8000-000000000000",
        f"/api/v1/reports/summary?group_by=source&campaign={campaign.uuid}&status=nonsense",
    ):
        answer = api_get(client, path, demo.read_key, headers={"If-None-Match": 'W/"old"'})
        assert_problem(answer, 401, "revoked_api_key")
