"""Reports revalidate too: 304 while the workspace's report inputs are unchanged, free of quota."""

from __future__ import annotations

import pytest

from ringtonic.extensions import db
from ringtonic.models import Campaign
from tests.support.api_support import seed_demo_api
from tests.support.keys import api_get, issue_key

QUOTA = 12
PERIOD = "start_date=2026-05-01&end_date=2026-06-30&time_zone=America/Chicago"


@pytest.fixture
def app_config(app_config):
    """Rate limits on, counted in memory, twelve requests a minute per key."""
    app_config["RATELIMIT_ENABLED"] = True
    app_config["RINGTONIC_API_RATE_LIMITS"] = f"{QUOTA} per minute"
    return app_config


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=40)


def _report_paths(client, demo) -> list[str]:
    first = api_get(client, "/api/v1/calls?limit=1", demo.read_key).get_json()["data"][0]
    return [
        f"/api/v1/reports/summary?group_by=campaign&{PERIOD}",
        f"/api/v1/reports/timeseries?interval=day&{PERIOD}",
        f"/api/v1/campaigns/{first['campaign']['uuid']}/geo-data?{PERIOD}",
    ]


def _tags(client, paths, key) -> dict[str, str]:
    tags = {}
    for path in paths:
        response = api_get(client, path, key)
        assert response.status_code == 200, path
        tags[path] = response.headers["ETag"]
    return tags


def _all_changed(client, tags, key) -> None:
    db.session.expire_all()
    for path, old in tags.items():
        again = api_get(client, path, key, headers={"If-None-Match": old})
        assert again.status_code == 200, path
        assert again.headers["ETag"] != old, path


def test_an_unchanged_report_answers_304_without_quota(client, demo):
    paths = _report_paths(client, demo)
    tags = _tags(client, paths, demo.write_key)
    for path, tag in tags.items():
        assert tag.startswith('W/"')
        for _ in range(4):
            again = api_get(client, path, demo.write_key, headers={"If-None-Match": tag})
            assert again.status_code == 304, path
            assert again.data == b""
            assert again.headers["Cache-Control"] == "private, no-cache"
    # Only the three full reports were charged to this key.
    for _ in range(QUOTA - len(paths)):
        assert api_get(client, "/api/v1/me", demo.write_key).status_code == 200
    assert api_get(client, "/api/v1/me", demo.write_key).status_code == 429


def test_another_query_or_time_zone_has_another_etag(client, demo):
    path = f"/api/v1/reports/summary?group_by=source&{PERIOD}"
    tag = api_get(client, path, demo.read_key).headers["ETag"]
    for other in (
        path.replace("group_by=source", "group_by=medium"),
        path.replace("America/Chicago", "America/New_York"),
    ):
        assert api_get(client, other, demo.read_key).headers["ETag"] != tag


def test_a_crm_patch_changes_every_report_etag(client, demo):
    paths = _report_paths(client, demo)
    tags = _tags(client, paths, demo.write_key)
    call = api_get(client, "/api/v1/calls?limit=1", demo.write_key).get_json()["data"][0]
    response = client.patch(
        f"/api/v1/calls/{call['uuid']}",
        json={"spam": True},
        headers={"Authorization": f"Bearer {demo.write_key}"},
    )
    assert response.status_code == 200, response.get_json()
    _all_changed(client, tags, demo.write_key)


def test_renaming_a_campaign_changes_the_report_etags(client, demo):
    paths = _report_paths(client, demo)
    tags = _tags(client, paths, demo.write_key)
    campaign = db.session.scalars(
        db.select(Campaign).where(Campaign.workspace_id == demo.workspace.id)
    ).first()
    campaign.name = "Renamed campaign"
    db.session.commit()
    _all_changed(client, tags, demo.write_key)


def test_another_workspaces_key_never_gets_a_304(client, demo, make_account):
    account, user, workspace = make_account(plan="agency", company="Other Agency")
    other_key = issue_key(workspace, user, name="Other")
    for path in _report_paths(client, demo)[:2]:
        tag = api_get(client, path, demo.read_key).headers["ETag"]
        answer = api_get(client, path, other_key, headers={"If-None-Match": tag})
        assert answer.status_code == 200, path
        assert answer.headers["ETag"] != tag
