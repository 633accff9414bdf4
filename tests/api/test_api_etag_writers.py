"""Writers that delete or replace calls give the reports and the calls list new ETags.

The reports are narrowed to a campaign without website visits, so that only the
workspace's report data version (not the visits' fingerprint) can change their ETags.
"""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Call, CallImport, Campaign, User, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.calls.import_runs import rollback_import
from ringtonic.services.calls.imports import import_calls
from tests.support.keys import api_get, issue_key
from tests.support.telephony_helpers import add_tracking_number, connect_twilio

CSV_ROW = "{when},+1512555{n:04d},+15125550147,95,answered,Austin,TX,78701,A-{n}\n"
CSV_HEAD = "started_at,caller_number,tracking_number,duration,status,city,state,zip,external_id\n"


def _paths(campaign: Campaign) -> list[str]:
    today = utcnow().date()
    period = f"start_date={today - timedelta(days=95)}&end_date={today}&time_zone=UTC"
    narrowed = f"{period}&campaign={campaign.uuid}"
    return [
        "/api/v1/calls?limit=50",
        f"/api/v1/reports/summary?group_by=source&{narrowed}",
        f"/api/v1/reports/timeseries?interval=day&{narrowed}",
        f"/api/v1/campaigns/{campaign.uuid}/geo-data?{period}",
    ]


def _tags(client, paths: list[str], key: str) -> dict[str, str]:
    db.session.expire_all()
    tags = {}
    for path in paths:
        answer = api_get(client, path, key)
        assert answer.status_code == 200, (path, answer.get_data(as_text=True))
        tags[path] = answer.headers["ETag"]
        again = api_get(client, path, key, headers={"If-None-Match": tags[path]})
        assert again.status_code == 304, path
    return tags


def _assert_all_new(client, key: str, before: dict[str, str]) -> dict[str, str]:
    """Check that each old ETag now gets a full answer with another ETag; return the new ones."""
    db.session.expire_all()
    for path, old in before.items():
        answer = api_get(client, path, key, headers={"If-None-Match": old})
        assert answer.status_code == 200, path
        assert answer.headers["ETag"] != old, path
    return _tags(client, list(before), key)


def test_rolling_back_an_import_gives_the_reports_and_the_calls_list_new_etags(
    client, make_account
):
    _, user, workspace = make_account(plan="agency")
    connect_twilio(workspace)
    number = add_tracking_number(workspace)
    key = issue_key(workspace, user)
    when = (utcnow() - timedelta(days=2)).isoformat()
    csv = CSV_HEAD + "".join(CSV_ROW.format(when=when, n=n) for n in range(3))
    assert import_calls(workspace, io.BytesIO(csv.encode())).imported == 3
    db.session.commit()
    tags = _tags(client, _paths(number.campaign), key)

    record = db.session.scalars(
        select(CallImport).where(CallImport.workspace_id == workspace.id)
    ).one()
    assert rollback_import(workspace, record, actor=user) == 3
    db.session.commit()

    assert db.session.scalar(select(func.count(Call.id))) == 0
    _assert_all_new(client, key, tags)


def _demo_workspace_key() -> tuple[str, Campaign]:
    """Return a key to the demo workspace with the most calls, and its busiest static campaign."""
    user = db.session.scalars(select(User).where(User.email == "demo@example.com")).one()
    workspace_id, campaign_id = db.session.execute(
        select(Call.workspace_id, Call.campaign_id)
        .join(Campaign, Campaign.id == Call.campaign_id)
        .where(Campaign.type != "website")
        .group_by(Call.workspace_id, Call.campaign_id)
        .order_by(func.count().desc(), Call.campaign_id)
        .limit(1)
    ).one()
    campaign = db.session.get(Campaign, campaign_id)
    return issue_key(db.session.get(Workspace, workspace_id), user), campaign


def test_demo_seeding_gives_the_reports_and_the_calls_list_new_etags(client, runner):
    seeded = runner.invoke(args=["demo", "seed", "--calls", "120", "--seed", "3"])
    assert seeded.exit_code == 0, seeded.output
    key, campaign = _demo_workspace_key()
    paths = _paths(campaign)
    tags = _tags(client, paths, key)

    # The same seed again: the same calls, deleted and stored anew. Reports bump their
    # version; the list may keep its ETag (SQLite reuses the ids: the same documents).
    again = runner.invoke(args=["demo", "seed", "--calls", "120", "--seed", "3"])
    assert again.exit_code == 0, again.output
    assert "replaced 120" in again.output
    reports = {path: tag for path, tag in tags.items() if "/reports/" in path or "geo" in path}
    _assert_all_new(client, key, reports)
    tags = _tags(client, paths, key)

    # Other calls in place of these.
    other = runner.invoke(args=["demo", "seed", "--calls", "120", "--seed", "4"])
    assert other.exit_code == 0, other.output
    tags = _assert_all_new(client, key, tags)

    # No calls at all: the demo seeder's delete alone.
    emptied = runner.invoke(args=["demo", "seed", "--calls", "0"])
    assert emptied.exit_code == 0, emptied.output
    assert db.session.scalar(select(func.count(Call.id))) == 0
    _assert_all_new(client, key, tags)
