"""Twilio webhooks: signatures, stored calls, TwiML answers, retries and status callbacks."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from ringtonic import create_app
from ringtonic.extensions import db
from ringtonic.models import Call
from tests.support.telephony_helpers import (
    AUTH_TOKEN,
    FORWARDING,
    add_tracking_number,
    connect_twilio,
    post_signed,
    voice_params,
)


def call_count() -> int:
    return db.session.scalar(select(func.count(Call.id)))


def voice_path(workspace) -> str:
    return f"/hooks/twilio/voice/{workspace.uuid}"


def status_path(workspace) -> str:
    return f"/hooks/twilio/status/{workspace.uuid}"


def twiml(response) -> ET.Element:
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    return root


def connected_workspace(make_account):
    _, _, workspace = make_account()
    connect_twilio(workspace)
    number = add_tracking_number(workspace)
    return workspace, number


def test_signed_call_is_stored_with_every_field_and_forwarded(client, make_account):
    workspace, number = connected_workspace(make_account)
    response = post_signed(client, voice_path(workspace), voice_params())
    assert response.status_code == 200
    dial = twiml(response).find("Dial")
    assert dial is not None
    assert dial.get("action") == "http://localhost" + status_path(workspace)
    assert dial.get("method") == "POST"
    assert dial.find("Number").text == FORWARDING
    call = db.session.scalar(select(Call))
    assert call.workspace_id == workspace.id
    assert call.provider_call_id == "CA" + "a" * 32
    assert (call.caller_number, call.tracking_number) == ("+15125550123", number.number)
    assert (call.caller_city, call.caller_state, call.caller_zip, call.caller_country) == (
        "Austin",
        "TX",
        "78701",
        "US",
    )
    assert (call.campaign_id, call.phone_number_id) == (number.campaign_id, number.id)
    assert (call.source, call.medium) == ("Google Business Profile", "organic")
    assert (call.status, call.duration_seconds, call.first_call) == ("ringing", 0, True)


def test_second_call_from_the_same_caller_is_not_a_first_call(client, make_account):
    workspace, _ = connected_workspace(make_account)
    post_signed(client, voice_path(workspace), voice_params("CA1"))
    post_signed(client, voice_path(workspace), voice_params("CA2"))
    post_signed(client, voice_path(workspace), voice_params("CA3", From="+15125550999"))
    rows = db.session.execute(select(Call.provider_call_id, Call.first_call).order_by(Call.id))
    assert list(rows) == [("CA1", True), ("CA2", False), ("CA3", True)]


def test_withheld_caller_is_stored_without_number_and_never_a_first_call(client, make_account):
    workspace, _ = connected_workspace(make_account)
    post_signed(client, voice_path(workspace), voice_params(From="Anonymous"))
    call = db.session.scalar(select(Call))
    assert (call.caller_number, call.first_call) == ("", False)


def test_missing_or_wrong_signature_is_refused_and_nothing_stored(client, make_account):
    workspace, _ = connected_workspace(make_account)
    unsigned = client.post(voice_path(workspace), data=voice_params())
    assert unsigned.status_code == 403
    forged = client.post(
        voice_path(workspace), data=voice_params(), headers={"X-Twilio-Signature": "bm9wZQ=="}
    )
    assert forged.status_code == 403
    wrong_token = post_signed(client, voice_path(workspace), voice_params(), token="f" * 32)
    assert wrong_token.status_code == 403
    assert call_count() == 0


def test_tampered_parameters_fail_the_signature(client, make_account):
    workspace, _ = connected_workspace(make_account)
    params = voice_params()
    url = "http://localhost" + voice_path(workspace)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    tampered = {**params, "From": "+15125550999"}
    response = client.post(
        voice_path(workspace), data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    assert call_count() == 0


def test_request_signed_with_another_workspaces_token_is_refused(client, make_account):
    workspace, _ = connected_workspace(make_account)
    _, _, other = make_account()
    other_token = "fedcba9876543210fedcba9876543210"
    connect_twilio(other, other_token)
    response = post_signed(client, voice_path(workspace), voice_params(), token=other_token)
    assert response.status_code == 403
    assert call_count() == 0


def test_workspace_without_credentials_refuses_webhooks(client, make_account):
    _, _, workspace = make_account()
    add_tracking_number(workspace)
    response = post_signed(client, voice_path(workspace), voice_params())
    assert response.status_code == 403
    assert call_count() == 0


def test_unknown_workspace_is_a_plain_404(client, make_account):
    for path in (
        "/hooks/twilio/voice/00000000-0000-4000-8000-000000000000",
        "/hooks/twilio/status/not-a-uuid",
    ):
        response = post_signed(client, path, voice_params())
        assert response.status_code == 404
        assert response.get_data() == b""


def test_twilio_retry_never_duplicates_a_call(client, make_account):
    workspace, _ = connected_workspace(make_account)
    for _ in range(3):
        response = post_signed(client, voice_path(workspace), voice_params())
        assert twiml(response).find("Dial/Number").text == FORWARDING
    assert call_count() == 1


def test_same_call_sid_in_two_workspaces_is_two_calls(client, make_account):
    first, _ = connected_workspace(make_account)
    second, _ = connected_workspace(make_account)
    post_signed(client, voice_path(first), voice_params())
    post_signed(client, voice_path(second), voice_params())
    workspaces = set(db.session.scalars(select(Call.workspace_id)))
    assert workspaces == {first.id, second.id}


def test_unknown_number_is_rejected_logged_and_not_stored(client, make_account, caplog):
    workspace, _ = connected_workspace(make_account)
    with caplog.at_level(logging.WARNING, logger="ringtonic.hooks.views"):
        response = post_signed(client, voice_path(workspace), voice_params(To="+15125550199"))
    assert response.status_code == 200
    root = twiml(response)
    assert root.find("Reject") is not None and root.find("Dial") is None
    assert call_count() == 0
    assert any(
        "+15125550199" in record.getMessage() and str(workspace.uuid) in record.getMessage()
        for record in caplog.records
    )


def test_request_without_call_sid_is_a_bad_request(client, make_account):
    workspace, _ = connected_workspace(make_account)
    params = voice_params()
    del params["CallSid"]
    assert post_signed(client, voice_path(workspace), params).status_code == 400
    assert post_signed(client, status_path(workspace), params).status_code == 400
    assert call_count() == 0


def test_public_url_setting_is_the_url_that_must_be_signed(app_config, make_account):
    app_config["RINGTONIC_PUBLIC_URL"] = "https://calls.example.com"
    public = create_app(app_config).test_client()
    workspace, _ = connected_workspace(make_account)
    # Signed for the address the app happens to see: refused.
    assert post_signed(public, voice_path(workspace), voice_params()).status_code == 403
    url = "https://calls.example.com" + voice_path(workspace)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, voice_params())
    response = public.post(
        voice_path(workspace), data=voice_params(), headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    action = twiml(response).find("Dial").get("action")
    assert action == "https://calls.example.com" + status_path(workspace)


def test_dial_outcome_updates_status_and_duration(client, make_account):
    workspace, _ = connected_workspace(make_account)
    post_signed(client, voice_path(workspace), voice_params())
    dial_result = voice_params(
        CallStatus="in-progress", DialCallStatus="completed", DialCallDuration="95"
    )
    response = post_signed(client, status_path(workspace), dial_result)
    assert response.status_code == 200
    assert len(twiml(response)) == 0  # empty <Response/>: Twilio hangs up
    call = db.session.scalar(select(Call))
    assert (call.status, call.duration_seconds) == ("answered", 95)


def test_status_callback_for_unknown_call_stores_it(client, make_account):
    workspace, number = connected_workspace(make_account)
    response = post_signed(
        client,
        status_path(workspace),
        voice_params(CallStatus="completed", CallDuration="40", DialCallStatus="no-answer"),
    )
    assert response.status_code == 200
    call = db.session.scalar(select(Call))
    # The dialed leg decides: nobody answered, so no talk time.
    assert (call.status, call.duration_seconds, call.phone_number_id) == ("missed", 0, number.id)


def test_status_callback_for_unknown_number_is_logged_not_stored(client, make_account, caplog):
    workspace, _ = connected_workspace(make_account)
    with caplog.at_level(logging.WARNING, logger="ringtonic.hooks.views"):
        response = post_signed(
            client,
            status_path(workspace),
            voice_params(To="+15125550199", CallStatus="completed"),
        )
    assert response.status_code == 200
    assert call_count() == 0
    assert any("+15125550199" in record.getMessage() for record in caplog.records)


def test_status_callbacks_need_a_valid_signature(client, make_account):
    workspace, _ = connected_workspace(make_account)
    post_signed(client, voice_path(workspace), voice_params())
    forged = client.post(
        status_path(workspace),
        data=voice_params(DialCallStatus="completed", DialCallDuration="60"),
        headers={"X-Twilio-Signature": "bm9wZQ=="},
    )
    assert forged.status_code == 403
    call = db.session.scalar(select(Call))
    assert call.status == "ringing"


def test_repeated_and_out_of_order_callbacks_converge(client, make_account):
    workspace, _ = connected_workspace(make_account)
    sid = "CA" + "b" * 32
    final = voice_params(sid, CallStatus="completed", CallDuration="130")
    dial = voice_params(
        sid, CallStatus="in-progress", DialCallStatus="completed", DialCallDuration="120"
    )
    progress = voice_params(sid, CallStatus="in-progress")
    # Final state first, then stale progress, then everything again.
    for params in (final, progress, dial, progress, final, dial):
        assert post_signed(client, status_path(workspace), params).status_code == 200
    post_signed(client, voice_path(workspace), voice_params(sid))  # a late voice retry
    call = db.session.scalar(select(Call))
    # The dialed leg's report decides, with its duration (the talk time with the business).
    assert (call.status, call.duration_seconds) == ("answered", 120)
    assert call_count() == 1


def test_webhooks_set_no_session_cookie(client, make_account):
    workspace, _ = connected_workspace(make_account)
    response = post_signed(client, voice_path(workspace), voice_params())
    assert "Set-Cookie" not in response.headers
