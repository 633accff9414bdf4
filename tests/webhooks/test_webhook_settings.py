"""Settings → Webhooks: add an endpoint, secrets shown once, tests, replays, rotation, plans."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from ringtonic.background.webhooks import delivery_settings
from ringtonic.extensions import db
from ringtonic.models import WebhookDelivery, WebhookEndpoint
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.accounts import set_plan
from ringtonic.services.webhooks.delivery import deliver_due
from tests.support.telephony_helpers import add_user, post_signed, voice_params
from tests.support.web_client import post_form, sign_in
from tests.support.webhooks import add_endpoint
from tests.webhooks.receiver import verify

SECRET_RE = re.compile(r'<code id="new-webhook-secret">(whsec_[A-Za-z0-9_-]{43})</code>')


def _page(endpoint) -> str:
    return f"/settings/webhooks/{endpoint.uuid}"


def test_a_manager_adds_an_endpoint_and_sees_its_secret_once(client, agency, receiver):
    account, _, workspace = agency
    add_user(account, "manager@example.com", "manager")
    sign_in(client, "manager@example.com")
    response = post_form(
        client,
        "/settings/webhooks",
        {"url": receiver.url, "events": ["call.started", "call.missed"], "description": "CRM"},
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = SECRET_RE.search(response.get_data(as_text=True)).group(1)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.events == ["call.started", "call.missed"]
    assert secret not in endpoint.secret_encrypted
    for url in ("/settings/webhooks", _page(endpoint)):
        html = client.get(url).get_data(as_text=True)
        assert secret not in html and endpoint.secret_hint in html
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params())
    (request,) = receiver.wait_for(1)
    assert verify(secret, request.headers, request.body)


def test_bad_endpoints_are_refused_with_a_message(client, agency):
    sign_in(client, "owner1@example.com")
    cases = [
        ({"url": "ftp://example.com/x", "events": ["call.started"]}, "must start with"),
        ({"url": "https://example.com/x"}, "Choose at least one event."),
        ({"url": "https://example.com/x", "events": ["call.nope"]}, "Unknown event type"),
        ({"url": "https://user:pw@example.com/x", "events": ["call.started"]}, "no user name"),
        ({"url": "https://exa mple.com", "events": ["call.started"]}, "spaces"),
    ]
    for data, message in cases:
        response = post_form(client, "/settings/webhooks", data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_members_and_the_indie_plan_cannot_add_endpoints(app, client, make_account):
    account, _, _ = make_account("indie")
    sign_in(client, "owner1@example.com")
    data = {"url": "https://example.com/x", "events": ["call.started"]}
    response = post_form(client, "/settings/webhooks", data)
    assert response.status_code == 403
    assert "Agency plan" in response.get_data(as_text=True)
    add_user(account, "member@example.com", "member")
    member = app.test_client()
    sign_in(member, "member@example.com")
    assert member.get("/settings/webhooks").status_code == 403


def test_send_test_replay_and_replay_failed_since(client, agency, receiver):
    _, user, workspace = agency
    endpoint, secret = add_endpoint(workspace, user, receiver.url, ["call.started"])
    sign_in(client, "owner1@example.com")
    receiver.answer(404)
    response = post_form(client, f"{_page(endpoint)}/test", {"event_type": "call.updated"})
    assert response.status_code == 303
    (first,) = receiver.wait_for(1)
    event = json.loads(first.body)
    assert event["type"] == "call.updated" and event["changes"]
    assert event["data"]["status"] == "answered" and event["data"]["uuid"]
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.state == "failed"  # 404 is final
    html = client.get(_page(endpoint)).get_data(as_text=True)
    assert "Failed" in html and "status 404" in html and event["id"] in html
    replay = f"{_page(endpoint)}/deliveries/{delivery.uuid}/replay"
    assert post_form(client, replay, {}, page=_page(endpoint)).status_code == 303
    second = receiver.wait_for(2)[1]
    assert second.headers["Ringtonic-Event-Id"] == event["id"] and second.body == first.body
    receiver.answer(500)  # the replay above succeeded; fail one more
    post_form(client, f"{_page(endpoint)}/test", {"event_type": "call.started"})
    receiver.wait_for(3)
    since = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_form(client, f"{_page(endpoint)}/replay-failed", {"since": since})
    assert response.status_code == 303
    assert "1 failed delivery sent again." in client.get(_page(endpoint)).get_data(as_text=True)
    assert json.loads(receiver.wait_for(4)[3].body)["id"] == event["id"]
    assert all(verify(secret, r.headers, r.body) for r in receiver.requests)


def test_rotation_signs_with_both_secrets_during_the_grace_period(client, agency, receiver):
    _, user, workspace = agency
    endpoint, old = add_endpoint(workspace, user, receiver.url, ["call.started"])
    sign_in(client, "owner1@example.com")
    response = post_form(client, f"{_page(endpoint)}/secret", {"grace_hours": "24"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = SECRET_RE.search(response.get_data(as_text=True)).group(1)
    assert new != old
    post_form(client, f"{_page(endpoint)}/test", {"event_type": "call.started"})
    (request,) = receiver.wait_for(1)
    assert verify(new, request.headers, request.body)
    assert verify(old, request.headers, request.body)
    db.session.refresh(endpoint)
    endpoint.previous_secret_expires_at = utcnow() - timedelta(seconds=1)  # grace is over
    db.session.commit()
    post_form(client, f"{_page(endpoint)}/test", {"event_type": "call.started"})
    later = receiver.wait_for(2)[1]
    assert verify(new, later.headers, later.body)
    assert not verify(old, later.headers, later.body)


def test_an_endpoint_failing_for_a_day_is_switched_off_and_the_pages_say_so(
    client, agency, receiver
):
    _, user, workspace = agency
    endpoint, _ = add_endpoint(workspace, user, receiver.url, ["call.started"])
    receiver.default = (503, 0.0, {})
    start = utcnow()
    for n in range(50):
        post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params(f"CA{n:032d}"))
    db.session.refresh(endpoint)
    assert endpoint.enabled and endpoint.failure_streak == 50  # 50 failures, but not a day
    due = start + timedelta(days=1, minutes=1)
    deliver_due(endpoint.uuid, delivery_settings(), lambda: due)
    db.session.refresh(endpoint)
    assert not endpoint.enabled and endpoint.disabled_reason == "failing"
    assert len(receiver.requests) == 51  # the run stopped at the failure that switched it off
    tried = len(receiver.requests)
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params("CA" + "f" * 32))
    assert len(receiver.requests) == tried  # nothing more is sent
    sign_in(client, "owner1@example.com")
    for url in ("/settings/webhooks", "/"):
        html = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "switched off automatically" in html, url


def test_a_plan_downgrade_stops_deliveries(client, agency, receiver):
    account, user, workspace = agency
    endpoint, _ = add_endpoint(workspace, user, receiver.url, ["call.started"])
    receiver.answer(500)
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params())
    receiver.wait_for(1)
    set_plan(account, "indie")
    db.session.commit()
    delivery = db.session.scalar(select(WebhookDelivery))
    due = delivery.next_attempt_at
    deliver_due(endpoint.uuid, delivery_settings(), lambda: due)  # the pending retry is not sent
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params("CA" + "d" * 32))
    assert len(receiver.requests) == 1
    db.session.refresh(delivery)
    assert delivery.state == "failed" and delivery.attempt_log[-1].error == "Agency plan required"
    assert db.session.query(WebhookDelivery).count() == 1  # no event for the later call


def test_deliveries_of_another_workspace_cannot_be_seen_or_replayed(
    client, agency, make_account, receiver
):
    _, user, workspace = agency
    endpoint, _ = add_endpoint(workspace, user, receiver.url, ["call.started"])
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params())
    receiver.wait_for(1)
    delivery = db.session.scalar(select(WebhookDelivery))
    _, stranger, other = make_account("agency", email="stranger@example.com")
    own, _ = add_endpoint(other, stranger, receiver.url, ["call.started"])
    sign_in(client, "stranger@example.com")
    assert client.get(_page(endpoint)).status_code == 404
    html = client.get(_page(own)).get_data(as_text=True)
    assert "No deliveries yet." in html
    forged = f"{_page(own)}/deliveries/{delivery.uuid}/replay"
    assert post_form(client, forged, {}, page=_page(own)).status_code == 404
    assert len(receiver.requests) == 1


def test_a_success_after_a_failure_in_the_same_run_clears_the_failure_streak(agency, receiver):
    from ringtonic.services.webhooks.outbox import emit

    _, user, workspace = agency
    endpoint, _ = add_endpoint(workspace, user, receiver.url, ["call.blocked"])
    receiver.answer(500)  # then 200
    for n in range(2):
        emit(workspace, "call.blocked", None, data={"provider_call_id": f"CA{n:032d}"})
    db.session.commit()  # both due at once: one task sends them in one run
    receiver.wait_for(2)
    db.session.refresh(endpoint)
    assert endpoint.failure_streak == 0 and endpoint.failing_since is None
    states = db.session.scalars(select(WebhookDelivery.state).order_by(WebhookDelivery.id))
    assert list(states) == ["pending", "succeeded"]
