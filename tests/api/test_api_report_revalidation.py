"""A report narrowed to a campaign revalidates in one read and refuses what a full answer does."""

from __future__ import annotations

import uuid

import pytest

from tests.support.api_support import assert_invalid, assert_problem, seed_demo_api
from tests.support.keys import api_get, issue_key

PERIOD = "start_date=2026-05-01&end_date=2026-06-30&time_zone=America/Chicago"


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=40)


def _campaign(client, demo) -> str:
    first = api_get(client, "/api/v1/calls?limit=1", demo.read_key).get_json()["data"][0]
    return first["campaign"]["uuid"]


def _paths(campaign: str) -> list[str]:
    return [
        f"/api/v1/reports/summary?group_by=source&campaign={campaign}&{PERIOD}",
        f"/api/v1/reports/summary?group_by=tracking_number&campaign={campaign}&{PERIOD}",
        f"/api/v1/reports/timeseries?interval=day&campaign={campaign}&{PERIOD}",
        f"/api/v1/campaigns/{campaign}/geo-data?{PERIOD}",
    ]


def test_a_narrowed_report_revalidates_to_304_with_the_full_answers_tag(client, demo):
    for path in _paths(_campaign(client, demo)):
        full = api_get(client, path, demo.read_key)
        assert full.status_code == 200, path
        again = api_get(
            client, path, demo.read_key, headers={"If-None-Match": full.headers["ETag"]}
        )
        assert again.status_code == 304, path
        assert again.headers["ETag"] == full.headers["ETag"]


def test_an_unknown_campaign_is_refused_when_revalidating_too(client, demo):
    unknown = str(uuid.uuid4())
    tag = {"If-None-Match": 'W/"anything"'}
    for path in _paths(unknown)[:3]:
        assert_invalid(api_get(client, path, demo.read_key, headers=tag), "campaign")
        # The campaign is checked before the status, as in a full answer.
        answer = api_get(client, path + "&status=nonsense", demo.read_key, headers=tag)
        assert_invalid(answer, "campaign")
    geo = _paths(unknown)[3]
    assert_problem(api_get(client, geo, demo.read_key, headers=tag), 404, "not_found")
    # Before the period too.
    bad_period = geo.replace("time_zone=America/Chicago", "time_zone=Nowhere")
    assert_problem(api_get(client, bad_period, demo.read_key, headers=tag), 404, "not_found")
    junk = f"/api/v1/campaigns/not-a-uuid/geo-data?{PERIOD}"
    assert_problem(api_get(client, junk, demo.read_key, headers=tag), 404, "not_found")


def test_a_bad_status_is_refused_when_revalidating(client, demo):
    for path in _paths(_campaign(client, demo)):
        tag = api_get(client, path, demo.read_key).headers["ETag"]
        answer = api_get(
            client, path + "&status=nonsense", demo.read_key, headers={"If-None-Match": tag}
        )
        assert_invalid(answer, "status")


def test_another_workspaces_key_never_gets_a_304_for_a_campaign_it_does_not_have(
    client, demo, make_account
):
    _, user, workspace = make_account(plan="agency", company="Other Agency")
    other_key = issue_key(workspace, user, name="Other")
    paths = _paths(_campaign(client, demo))
    for path in paths:
        tag = api_get(client, path, demo.read_key).headers["ETag"]
        answer = api_get(client, path, other_key, headers={"If-None-Match": tag})
        assert answer.status_code in (400, 404), path
