"""The tracker's fast paths: quiet heartbeats answered from a read, leases taken in one go."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.models.website import NumberLease, VisitorSession
from ringtonic.services.tracking import leases
from ringtonic.services.tracking.visits import QUIET, VisitStart
from tests.support.website import SITE, add_pool, heartbeat, site_config, start_visit


@pytest.fixture
def site(app, make_account):
    _, _, workspace = make_account(plan="agency")
    return SimpleNamespace(workspace=workspace, **vars(add_pool(workspace, 3)))


def _visit_row(shown):
    db.session.expire_all()
    return db.session.scalars(
        select(VisitorSession).where(VisitorSession.uuid == shown.session_uuid)
    ).one()


def _lease_of(visit):
    return db.session.get(NumberLease, visit.phone_number_id)


def test_a_heartbeat_right_after_the_last_writes_nothing_and_a_later_one_does(app, site):
    t0 = utcnow()
    shown = start_visit(site_config(site), VisitStart(page=SITE + "/"), t0, {})
    db.session.commit()

    soon = heartbeat(site_config(site), str(shown.session_uuid), t0 + QUIET - timedelta(seconds=1))
    db.session.commit()
    quiet = _visit_row(shown)
    assert soon.number == shown.number
    assert quiet.last_seen_at == t0 and _lease_of(quiet).leased_at == t0

    later_at = t0 + QUIET + timedelta(seconds=1)
    later = heartbeat(site_config(site), str(shown.session_uuid), later_at)
    db.session.commit()
    moved = _visit_row(shown)
    assert later.number == shown.number
    assert moved.last_seen_at == later_at
    assert moved.number_until == later_at + timedelta(minutes=30)
    assert _lease_of(moved).free_at == later_at + timedelta(minutes=40)


def test_a_visit_whose_number_was_just_taken_over_gets_another_at_once(app, site):
    t0 = utcnow()
    first = start_visit(site_config(site), VisitStart(page=SITE + "/"), t0, {})
    for i in (1, 2):
        start_visit(site_config(site), VisitStart(page=SITE + "/"), t0 + timedelta(seconds=i), {})
    thief = start_visit(
        site_config(site), VisitStart(page=SITE + "/"), t0 + timedelta(seconds=3), {}
    )
    db.session.commit()
    assert thief.number == first.number

    # Within QUIET of its last write, yet the takeover ended its lease: it must not keep it.
    again = heartbeat(site_config(site), str(first.session_uuid), t0 + timedelta(seconds=4))
    db.session.commit()

    assert again.number is not None and again.number != thief.number
    now = t0 + timedelta(seconds=4)
    live = db.session.scalars(
        select(VisitorSession.phone_number_id).where(VisitorSession.number_until > now)
    ).all()
    assert len(live) == len(set(live)) == 3


def test_a_number_taken_in_its_cooldown_counts_as_a_takeover_and_a_free_one_does_not(app, site):
    t0 = utcnow()
    for i in range(3):
        start_visit(site_config(site), VisitStart(page=SITE + "/"), t0 + timedelta(minutes=i), {})
    db.session.commit()
    # 35 minutes on: the first lease is over but in its cooldown (30 + 10 minutes).
    in_cooldown = start_visit(
        site_config(site), VisitStart(page=SITE + "/"), t0 + timedelta(minutes=35), {}
    )
    # 43 minutes on: the second lease and its cooldown are over; the number is free.
    free = start_visit(
        site_config(site), VisitStart(page=SITE + "/"), t0 + timedelta(minutes=43), {}
    )
    db.session.commit()

    rows = db.session.scalars(select(VisitorSession).order_by(VisitorSession.id)).all()
    assert rows[3].took_over and not rows[4].took_over
    # The first visit's lease really ended at 30 minutes; the takeover does not move it.
    assert rows[0].number_until == rows[0].number_leased_at + timedelta(minutes=30)
    assert in_cooldown.number is not None and free.number is not None


def test_the_next_page_moments_later_keeps_the_number_without_a_write(app, site):
    t0 = utcnow()
    first = start_visit(site_config(site), VisitStart(page=SITE + "/"), t0, {})
    db.session.commit()
    again = VisitStart(page=SITE + "/services", session_id=str(first.session_uuid))

    soon = start_visit(site_config(site), again, t0 + timedelta(seconds=5), {})
    db.session.commit()
    assert soon.session_uuid == first.session_uuid and soon.number == first.number
    assert _visit_row(first).last_seen_at == t0

    later_at = t0 + timedelta(minutes=2)
    later = start_visit(site_config(site), again, later_at, {})
    db.session.commit()
    assert later.session_uuid == first.session_uuid and later.number == first.number
    assert _visit_row(first).last_seen_at == later_at


def test_a_number_taken_over_twice_within_its_cooldown_never_has_two_holders_at_once(app, site):
    t0 = utcnow()
    # Three numbers, seven visits a second apart: every start after the third takes over the
    # lease that ends first, so each number changes hands twice within its cooldown.
    for i in range(7):
        start_visit(site_config(site), VisitStart(page=SITE + "/"), t0 + timedelta(seconds=i), {})
        db.session.commit()

    spans: dict[int, list[tuple]] = {}
    for visit in db.session.scalars(select(VisitorSession).order_by(VisitorSession.id)):
        spans.setdefault(visit.phone_number_id, []).append(
            (visit.number_leased_at, visit.number_until)
        )
    assert sorted(len(held) for held in spans.values()) == [2, 2, 3]
    for held in spans.values():
        held.sort()
        for (_, ended), (started, _) in zip(held, held[1:], strict=False):
            assert ended <= started


def test_a_heartbeat_regaining_a_number_and_a_start_taking_its_old_one_both_finish(
    app, make_account, monkeypatch
):
    # A visit whose number was taken over heartbeats (it gets a new number) while another
    # visit starts and takes that old number again: neither may fail (no deadlock).
    _, _, workspace = make_account(plan="agency")
    site = SimpleNamespace(workspace=workspace, **vars(add_pool(workspace, 2)))
    t0 = utcnow() - timedelta(minutes=5)
    config = site_config(site)
    loser = start_visit(config, VisitStart(page=SITE + "/"), t0, {})
    other = start_visit(config, VisitStart(page=SITE + "/"), t0 + timedelta(seconds=1), {})
    start_visit(config, VisitStart(page=SITE + "/"), t0 + timedelta(seconds=2), {})  # takes loser's
    # The other visit's lease now ends last, so the next start takes loser's old number.
    heartbeat(config, str(other.session_uuid), t0 + timedelta(seconds=30))
    db.session.commit()
    db.session.remove()

    touched, may_lease = threading.Event(), threading.Event()
    real_lease = leases.lease_number

    def lease_after_the_start_waits(*args, **kwargs):
        if threading.current_thread().name == "heartbeat":
            touched.set()
            may_lease.wait(10)
        return real_lease(*args, **kwargs)

    monkeypatch.setattr(leases, "lease_number", lease_after_the_start_waits)
    failures: list[BaseException] = []

    def run(work) -> None:
        with app.app_context():
            try:
                work()
                db.session.commit()
            except BaseException as error:  # reported below
                failures.append(error)
                db.session.rollback()

    later = utcnow()
    beat = threading.Thread(
        name="heartbeat",
        target=run,
        args=(lambda: heartbeat(config, str(loser.session_uuid), later),),
    )
    start = threading.Thread(
        name="start",
        target=run,
        args=(lambda: start_visit(config, VisitStart(page=SITE + "/"), later, {}),),
    )
    beat.start()
    assert touched.wait(10)
    start.start()
    start.join(1.5)  # on PostgreSQL it now waits for the heartbeat's turn, or for its row
    may_lease.set()
    beat.join(15)
    start.join(15)

    assert failures == []
    live = db.session.scalars(
        select(VisitorSession.phone_number_id).where(VisitorSession.number_until > later)
    ).all()
    assert len(live) == len(set(live))
