"""The worker's periodic jobs: every maintenance job of the app is scheduled and runs."""

from __future__ import annotations

from datetime import timedelta

from ringtonic.background import registered_jobs, run_in_app
from ringtonic.extensions import db
from ringtonic.models import BlockedCall
from ringtonic.models.types import utcnow

EXPECTED = {
    "webhooks.enqueue_due_deliveries": 1,
    "alerts.send": 1,
    "recordings.copy": 1,
    "recordings.expire": 60,
    "handling.purge_blocked_calls": 60,
}


def test_every_maintenance_job_is_scheduled(app):
    scheduled = {
        name: job.minutes for name, job in registered_jobs().items() if job.minutes is not None
    }
    assert scheduled == EXPECTED


def test_every_periodic_job_runs_on_an_empty_database(app):
    for name in EXPECTED:
        run_in_app(app, registered_jobs()[name])


def test_the_purge_job_removes_refused_calls_older_than_90_days(app, make_account):
    _, _, workspace = make_account()
    old = utcnow() - timedelta(days=91)
    db.session.add_all(
        [
            BlockedCall(
                workspace_id=workspace.id,
                provider_call_id="CA" + "1" * 32,
                caller_number="+15125550111",
                tracking_number="+15125550100",
                attempted_at=old,
            ),
            BlockedCall(
                workspace_id=workspace.id,
                provider_call_id="CA" + "2" * 32,
                caller_number="+15125550111",
                tracking_number="+15125550100",
                attempted_at=utcnow(),
            ),
        ]
    )
    db.session.commit()
    run_in_app(app, registered_jobs()["handling.purge_blocked_calls"])
    left = db.session.scalars(db.select(BlockedCall.provider_call_id)).all()
    assert left == ["CA" + "2" * 32]
