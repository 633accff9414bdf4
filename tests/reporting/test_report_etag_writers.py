"""Every kind of write that changes a report's inputs gives the report a new ETag."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call, CallImport
from ringtonic.models.types import utcnow
from ringtonic.services.calls.import_runs import rollback_import
from ringtonic.services.calls.imports import import_calls
from ringtonic.services.handling.spam import set_call_spam
from ringtonic.services.reporting.data_versions import data_version
from ringtonic.services.tracking.config import tracker_config
from ringtonic.services.tracking.visits import VisitStart
from tests.support.keys import api_get, issue_key
from tests.support.telephony_helpers import (
    add_tracking_number,
    connect_twilio,
    post_signed,
    voice_params,
)
from tests.support.website import SITE, add_pool, start_visit

SUMMARY = "/api/v1/reports/summary?group_by=tracking_number"
TIMESERIES = "/api/v1/reports/timeseries?interval=day"
CSV = """\
started_at,caller_number,tracking_number,duration,status,city,state,zip,external_id
{when},+15125550123,+15125550147,95,answered,Austin,TX,78701,A-1
"""


def _tags(client, key) -> dict[str, str]:
    db.session.expire_all()
    return {path: api_get(client, path, key).headers["ETag"] for path in (SUMMARY, TIMESERIES)}


def _assert_new(client, key, before: dict[str, str]) -> dict[str, str]:
    """Check a revalidation with the old ETags is a full answer; return the new ETags."""
    db.session.expire_all()
    for path, old in before.items():
        answer = api_get(client, path, key, headers={"If-None-Match": old})
        assert answer.status_code == 200, path
        assert answer.headers["ETag"] != old, path
    return _tags(client, key)


def test_webhooks_imports_and_number_changes_each_change_the_report_etags(client, make_account):
    _, user, workspace = make_account(plan="agency")
    connect_twilio(workspace)
    number = add_tracking_number(workspace)
    key = issue_key(workspace, user)
    tags = _tags(client, key)
    for path, tag in tags.items():
        again = api_get(client, path, key, headers={"If-None-Match": tag})
        assert again.status_code == 304, path

    voice = f"/hooks/twilio/voice/{workspace.uuid}"
    assert post_signed(client, voice, voice_params("CA01")).status_code == 200
    tags = _assert_new(client, key, tags)

    status = f"/hooks/twilio/status/{workspace.uuid}"
    completed = {
        "To": number.number,
        "CallSid": "CA01",
        "CallStatus": "completed",
        "DialCallStatus": "completed",
        "DialCallDuration": "40",
    }
    assert post_signed(client, status, completed).status_code == 200
    tags = _assert_new(client, key, tags)

    csv = CSV.format(when=(utcnow() - timedelta(days=2)).isoformat())
    assert import_calls(workspace, io.BytesIO(csv.encode())).imported == 1
    db.session.commit()
    tags = _assert_new(client, key, tags)

    number.friendly_name = "Renamed listing"
    db.session.commit()
    _assert_new(client, key, tags)


def test_an_import_rollback_and_unmarking_spam_each_change_the_report_etags(client, make_account):
    _, user, workspace = make_account(plan="agency")
    connect_twilio(workspace)
    add_tracking_number(workspace)
    key = issue_key(workspace, user)
    csv = CSV.format(when=(utcnow() - timedelta(days=2)).isoformat())
    assert import_calls(workspace, io.BytesIO(csv.encode())).imported == 1
    db.session.commit()
    tags = _tags(client, key)

    record = db.session.scalars(
        select(CallImport).where(CallImport.workspace_id == workspace.id)
    ).one()
    assert rollback_import(workspace, record, actor=user) == 1
    db.session.commit()
    tags = _assert_new(client, key, tags)

    assert (
        post_signed(
            client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params("CA02")
        ).status_code
        == 200
    )
    call = db.session.scalars(select(Call).where(Call.workspace_id == workspace.id)).one()
    set_call_spam(workspace, call, True, user)
    db.session.commit()
    tags = _tags(client, key)
    set_call_spam(workspace, db.session.get(Call, call.id), False, user)
    db.session.commit()
    _assert_new(client, key, tags)


def test_a_website_visit_changes_the_report_etags_without_a_version_bump(client, make_account):
    _, user, workspace = make_account(plan="agency")
    pool = add_pool(workspace, 2)
    key = issue_key(workspace, user)
    tags = _tags(client, key)
    version = data_version(workspace.id)

    config = tracker_config(db.engine, str(workspace.uuid))
    start_visit(config, VisitStart(page=SITE + "/?gclid=x"), utcnow(), {})
    db.session.commit()

    assert data_version(workspace.id) == version  # the tracker's hot path writes no version
    assert pool.numbers
    _assert_new(client, key, tags)
