"""Delivery to a real local receiver: payload, signatures, retries on schedule, timeouts."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import timedelta

from prometheus_client import REGISTRY
from sqlalchemy import select

from ringtonic.background.webhooks import delivery_settings
from ringtonic.extensions import db
from ringtonic.models import WebhookAttempt, WebhookDelivery
from ringtonic.services.webhooks.delivery import deliver_due
from ringtonic.services.webhooks.outbox import pending_deliveries
from tests.support.keys import api_get, issue_key
from tests.support.telephony_helpers import (
    add_tracking_number,
    connect_twilio,
    post_signed,
    voice_params,
)
from tests.support.webhooks import add_endpoint
from tests.webhooks.receiver import running_receiver, verify

SID = "CA" + "b" * 32


def _voice(client, workspace, sid=SID, **params):
    return post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params(sid, **params))


def _dial_report(client, workspace, status="completed", seconds="42", sid=SID):
    params = voice_params(
        sid, DialCallStatus=status, DialCallDuration=seconds, CallStatus="in-progress"
    )
    return post_signed(client, f"/hooks/twilio/status/{workspace.uuid}", params)


def _attempts(delivery_id):
    return list(
        db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.number)
        )
    )


def test_call_events_are_signed_and_carry_the_call_as_the_api_shows_it(client, agency, receiver):
    _, user, workspace = agency
    _, secret = add_endpoint(workspace, user, receiver.url)
    assert _voice(client, workspace).status_code == 200
    assert _dial_report(client, workspace).status_code == 200
    started, completed = receiver.wait_for(2)
    for request in (started, completed):
        assert verify(secret, request.headers, request.body)
        assert not verify("whsec_wrong", request.headers, request.body)
    first, second = json.loads(started.body), json.loads(completed.body)
    assert (first["type"], second["type"]) == ("call.started", "call.completed")
    assert first["id"].startswith("evt_") and first["id"] != second["id"]
    assert started.headers["Ringtonic-Event-Id"] == first["id"]
    assert first["workspace"] == {"uuid": str(workspace.uuid), "name": workspace.name}
    assert first["data"]["status"] == "ringing"
    api_call = api_get(
        client, f"/api/v1/calls/{second['data']['uuid']}", issue_key(workspace, user)
    ).get_json()
    assert second["data"] == api_call
    assert api_call["status"] == "answered" and api_call["duration_seconds"] == 42


def test_a_missed_call_and_a_later_outcome_change(client, agency, receiver):
    _, user, workspace = agency
    add_endpoint(workspace, user, receiver.url, ["call.missed", "call.updated"])
    _voice(client, workspace)
    params = voice_params(SID, CallStatus="completed", CallDuration="0")
    post_signed(client, f"/hooks/twilio/status/{workspace.uuid}", params)
    _dial_report(client, workspace, "completed", "30")
    missed, updated = (json.loads(r.body) for r in receiver.wait_for(2))
    assert missed["type"] == "call.missed" and missed["data"]["status"] == "missed"
    assert updated["type"] == "call.updated"
    assert updated["changes"] == [
        {"field": "status", "old": "missed", "new": "answered"},
        {"field": "duration_seconds", "old": 0, "new": 30},
    ]
    time.sleep(0.2)
    assert len(receiver.requests) == 2  # call.started was not chosen


def test_500_twice_then_200_three_attempts_on_the_schedule(client, agency, receiver):
    _, user, workspace = agency
    endpoint, secret = add_endpoint(workspace, user, receiver.url, ["call.started"])
    receiver.answer(500, 500)
    _voice(client, workspace)
    receiver.wait_for(1)
    delivery = db.session.scalar(select(WebhookDelivery))
    for _ in range(2):
        db.session.refresh(delivery)
        due = delivery.next_attempt_at
        assert delivery.state == "pending" and due is not None
        settings = delivery_settings()
        assert deliver_due(endpoint.uuid, settings, lambda due=due: due - timedelta(seconds=1)) == 0
        assert deliver_due(endpoint.uuid, settings, lambda due=due: due) == 1
    db.session.refresh(delivery)
    assert delivery.state == "succeeded" and delivery.attempts == 3
    one, two, three = _attempts(delivery.id)
    assert [a.status_code for a in (one, two, three)] == [500, 500, 200]
    assert three.response_excerpt == "status 200" and three.next_attempt_at is None
    first_wait = (two.started_at - one.started_at).total_seconds()
    second_wait = (three.started_at - two.started_at).total_seconds()
    assert 24 <= first_wait <= 36.5 and 48 <= second_wait <= 72.5
    bodies = {r.body for r in receiver.requests}
    assert len(bodies) == 1  # the same event, same id, every time
    assert all(verify(secret, r.headers, r.body) for r in receiver.requests)


def test_a_410_is_final(client, agency, receiver):
    _, user, workspace = agency
    add_endpoint(workspace, user, receiver.url, ["call.started"])
    receiver.answer(410)
    _voice(client, workspace)
    receiver.wait_for(1)
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)


def test_429_honours_retry_after(client, agency, receiver):
    _, user, workspace = agency
    add_endpoint(workspace, user, receiver.url, ["call.started"])
    receiver.answer(429, headers={"Retry-After": "600"})
    _voice(client, workspace)
    receiver.wait_for(1)
    delivery = db.session.scalar(select(WebhookDelivery))
    (attempt,) = _attempts(delivery.id)
    wait = (delivery.next_attempt_at - attempt.started_at).total_seconds()
    # 600 s from the answer, which a loaded host may take a few seconds to receive.
    assert delivery.state == "pending" and 599 <= wait <= 610


def test_a_receiver_that_never_answers_times_out_and_blocks_no_one(
    app, client, make_account, agency, receiver
):
    _, user, workspace = agency
    slow_endpoint, _ = add_endpoint(workspace, user, receiver.url, ["call.started"])
    receiver.default = (200, 5.0, {})
    with running_receiver() as fast:
        _, other_user, other = make_account("agency")
        connect_twilio(other)
        add_tracking_number(other)
        add_endpoint(other, other_user, fast.url, ["call.started"])
        _voice(client, workspace)
        assert receiver.requests  # the slow one was tried, and timed out after 2 s
        timed_out = db.session.scalar(select(WebhookAttempt))
        assert timed_out.status_code is None and timed_out.error.startswith("timeout")
        assert 1900 <= timed_out.latency_ms < 4000
        # Its retry runs in another thread, hanging on the slow receiver for 5 s, while the
        # other workspace's call comes in: that call's event must arrive while the retry
        # still hangs (a lock or shared queue held across the wait would make it wait).
        worker = threading.Thread(target=_deliver_in_app, args=(app, slow_endpoint.uuid))
        worker.start()
        receiver.wait_for(2, timeout=10)
        _voice(client, other, sid="CA" + "c" * 32)
        fast.wait_for(1, timeout=10)
        assert worker.is_alive()
        worker.join()
        assert receiver.requests[1].at < fast.requests[0].at


def _deliver_in_app(app, endpoint_uuid):
    with app.app_context():
        delivery = db.session.scalar(select(WebhookDelivery))
        due = delivery.next_attempt_at
        db.session.commit()
        # A long timeout, so the retry is still waiting when the other event is sent.
        settings = dataclasses.replace(delivery_settings(), timeout=30.0)
        deliver_due(endpoint_uuid, settings, lambda: due)
        db.session.remove()


def test_a_blocked_caller_sends_call_blocked(client, agency, receiver):
    from ringtonic.services.handling.blocks import block_in_workspace, check_block_input

    _, user, workspace = agency
    add_endpoint(workspace, user, receiver.url, ["call.blocked"])
    block_in_workspace(workspace, check_block_input("+15125550123", "spam"), user)
    db.session.commit()
    assert _voice(client, workspace).status_code == 200
    (request,) = receiver.wait_for(1)
    event = json.loads(request.body)
    assert event["type"] == "call.blocked"
    assert event["data"]["provider_call_id"] == SID
    assert event["data"]["caller_number"] == "+15125550123"
    assert event["data"]["reason"] == "spam"


def _deliveries_counted(outcome: str) -> float:
    labels = {"queue": "webhooks", "outcome": outcome}
    return REGISTRY.get_sample_value("ringtonic_background_deliveries_total", labels) or 0.0


def test_the_outbox_depth_and_each_attempts_outcome_are_metrics(client, agency, receiver):
    _, user, workspace = agency
    endpoint, _ = add_endpoint(workspace, user, receiver.url, ["call.started"])
    retrying, succeeded = _deliveries_counted("retrying"), _deliveries_counted("succeeded")
    receiver.answer(503)
    _voice(client, workspace)
    receiver.wait_for(1)
    assert pending_deliveries() == 1
    assert _deliveries_counted("retrying") == retrying + 1
    delivery = db.session.scalar(select(WebhookDelivery))
    due = delivery.next_attempt_at
    assert deliver_due(endpoint.uuid, delivery_settings(), lambda: due) == 1
    assert pending_deliveries() == 0
    assert _deliveries_counted("succeeded") == succeeded + 1
