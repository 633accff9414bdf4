"""Website visits change a report's ETag exactly when they change what the report says."""

from __future__ import annotations

from datetime import timedelta

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.tracking.config import tracker_config
from ringtonic.services.tracking.visits import VisitStart
from tests.support.keys import api_get, issue_key
from tests.support.website import SITE, add_pool, heartbeat, start_visit

BY_NUMBER = "/api/v1/reports/summary?group_by=tracking_number"


def _answers(client, key, paths) -> dict[str, tuple[str, dict]]:
    db.session.expire_all()
    found = {}
    for path in paths:
        answer = api_get(client, path, key)
        assert answer.status_code == 200, (path, answer.get_data(as_text=True))
        found[path] = (answer.headers["ETag"], answer.get_json())
    return found


def _assert_unchanged(client, key, before) -> None:
    db.session.expire_all()
    for path, (tag, _) in before.items():
        again = api_get(client, path, key, headers={"If-None-Match": tag})
        assert again.status_code == 304, path


def _assert_changed(client, key, before) -> None:
    """Each old ETag gets the full answer, with a new ETag and another body."""
    db.session.expire_all()
    for path, (tag, body) in before.items():
        again = api_get(client, path, key, headers={"If-None-Match": tag})
        assert again.status_code == 200, path
        assert again.headers["ETag"] != tag, path
        assert again.get_json() != body, path


def _visit(workspace, at, referrer_query: str = "?gclid=x"):
    config = tracker_config(db.engine, str(workspace.uuid))
    shown = start_visit(config, VisitStart(page=SITE + "/" + referrer_query), at, {})
    db.session.commit()
    return shown


def test_a_visit_changes_the_reports_narrowed_to_its_campaign(client, make_account):
    _, user, workspace = make_account(plan="agency")
    pool = add_pool(workspace, 2)
    key = issue_key(workspace, user)
    campaign = pool.campaign.uuid
    paths = [
        f"/api/v1/reports/summary?group_by=source&campaign={campaign}",
        f"/api/v1/reports/timeseries?interval=day&campaign={campaign}",
        f"/api/v1/campaigns/{campaign}/geo-data",
        "/api/v1/reports/summary?group_by=medium",
        BY_NUMBER,
    ]
    _visit(workspace, utcnow() - timedelta(minutes=10))
    before = _answers(client, key, paths)
    _assert_unchanged(client, key, before)
    _visit(workspace, utcnow() - timedelta(minutes=5))
    _assert_changed(client, key, before)


def test_a_visit_given_another_number_changes_the_report_by_number(client, make_account):
    _, user, workspace = make_account(plan="agency")
    add_pool(workspace, 2)
    key = issue_key(workspace, user)
    start = utcnow() - timedelta(minutes=10)
    first = _visit(workspace, start)
    _visit(workspace, start + timedelta(seconds=1))
    # The pool is used up: the third visit takes over the lease that ends first (the first's).
    _visit(workspace, start + timedelta(seconds=2))
    before = _answers(client, key, [BY_NUMBER, "/api/v1/reports/summary?group_by=source"])
    _assert_unchanged(client, key, before)

    # The first visit's next page finds its number taken and takes over the second's:
    # no visit is added, yet the visits per number change.
    config = tracker_config(db.engine, str(workspace.uuid))
    heartbeat(config, str(first.session_uuid), start + timedelta(minutes=1))
    db.session.commit()

    _assert_changed(client, key, {BY_NUMBER: before[BY_NUMBER]})
    # A report that does not group by number says the same as before: still a 304.
    _assert_unchanged(client, key, {k: v for k, v in before.items() if k != BY_NUMBER})
