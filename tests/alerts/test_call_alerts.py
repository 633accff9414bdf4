"""E-mail alerts: chosen per user and workspace, sent once per call through a real SMTP server."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import AlertDelivery, BlockedCall, Call, CallRecording
from ringtonic.models.types import utcnow
from ringtonic.services.alerts.delivery import MAX_ATTEMPTS, SPIKE_THRESHOLD, send_pending_alerts
from ringtonic.services.alerts.messages import render_alert
from tests.support.call_builders import add_call
from tests.support.smtp import Inbox, smtp_settings, start_server
from tests.support.telephony_helpers import (
    add_tracking_number,
    add_user,
    connect_twilio,
    post_signed,
)
from tests.support.twilio_requests import CALLER, SCENARIOS
from tests.support.web_client import post_form, sign_in

_sids = itertools.count(1)
PUBLIC_URL = "https://calls.agency.example"


@pytest.fixture
def inbox():
    """A real SMTP server on 127.0.0.1 for the length of the test."""
    handler = Inbox()
    controller = start_server(handler)
    yield handler
    controller.stop()


@pytest.fixture
def workspace(make_account):
    _, _, workspace = make_account(plan="agency", email="ann@example.com")
    connect_twilio(workspace)
    add_tracking_number(workspace)
    return workspace


def choose(client, email: str, **choices: bool):
    """Sign in and save alert choices through Settings → Alerts, as a browser does."""
    sign_in(client, email)
    data = {name: "y" for name, on in choices.items() if on}
    response = post_form(client, "/settings/alerts", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]


def twilio_call(client, workspace, scenario: str) -> str:
    """Deliver a whole call as Twilio posts it; return its CallSid."""
    sid = f"CA{next(_sids):032x}"
    for endpoint, params in SCENARIOS[scenario].requests(sid):
        response = post_signed(client, f"/hooks/twilio/{endpoint}/{workspace.uuid}", params)
        assert response.status_code == 200
    return sid


def later(minutes: int = 2):
    return utcnow() + timedelta(minutes=minutes)


def test_a_missed_first_call_alerts_once_each_after_the_outcome_settles(
    app, client, workspace, inbox
):
    choose(client, "ann@example.com", missed_call=True, first_time_caller=True)
    twilio_call(client, workspace, "no answer")
    smtp = smtp_settings(inbox.port)

    # Right after the webhook: the outcome may still turn into a voicemail.
    assert send_pending_alerts(utcnow(), smtp, PUBLIC_URL).queued == 0
    assert inbox.messages == []

    run = send_pending_alerts(later(), smtp, PUBLIC_URL)
    assert (run.queued, run.sent) == (2, 2)
    subjects = sorted(message["Subject"] for message in inbox.messages)
    assert subjects == [
        "First-time caller from (512) 555-0123 · Company 1",
        "Missed call from (512) 555-0123 · Company 1",
    ]
    assert {message["To"] for message in inbox.messages} == {"ann@example.com"}
    body = inbox.messages[0].get_content()
    call = db.session.scalar(select(Call))
    assert f"{PUBLIC_URL}/calls/{call.uuid}" in body
    assert "Source: Google Business Profile / organic" in body

    # Later runs, and the operator's command, send nothing again.
    assert send_pending_alerts(later(5), smtp, PUBLIC_URL).sent == 0
    app.config["RINGTONIC_SMTP"] = smtp
    result = app.test_cli_runner().invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    assert "0 queued, 0 sent" in result.output
    assert len(inbox.messages) == 2


def test_answered_calls_from_known_callers_and_unchosen_alerts_stay_quiet(client, workspace, inbox):
    choose(client, "ann@example.com", missed_call=True)
    twilio_call(client, workspace, "business hangs up first")  # answered, first call
    send_pending_alerts(later(), smtp_settings(inbox.port))
    assert inbox.messages == []


def test_each_user_gets_only_the_alerts_they_chose_for_that_workspace(
    app, client, workspace, make_account, inbox
):
    bob = add_user(workspace.account, "bob@example.com", "member")
    add_user(workspace.account, "cat@example.com", "member")  # chose nothing
    choose(client, bob.email, missed_call=True)
    _, _, elsewhere = make_account(plan="agency", email="dan@example.com")
    connect_twilio(elsewhere)
    add_tracking_number(elsewhere)
    other_browser = app.test_client()
    choose(other_browser, "dan@example.com", first_time_caller=True)

    twilio_call(client, workspace, "busy")
    send_pending_alerts(later(), smtp_settings(inbox.port))
    assert [(m["To"], m["Subject"].split(" from")[0]) for m in inbox.messages] == [
        ("bob@example.com", "Missed call")
    ]


def test_calls_before_the_choice_and_removed_users_get_no_alert(client, workspace, inbox):
    add_call(workspace, utcnow() - timedelta(hours=1), status="missed", first_call=True)
    db.session.commit()
    bob = add_user(workspace.account, "bob@example.com", "member")
    choose(client, bob.email, missed_call=True, first_time_caller=True)
    assert send_pending_alerts(later(), smtp_settings(inbox.port)).queued == 0

    twilio_call(client, workspace, "no answer")
    bob.removed_at = utcnow()
    db.session.commit()
    assert send_pending_alerts(later(), smtp_settings(inbox.port)).queued == 0
    assert inbox.messages == []


def voicemail(workspace, transcript_status: str = "in-progress", text: str | None = None):
    """A voicemail call and its recording as the intake leaves them."""
    call = add_call(workspace, utcnow(), status="voicemail", caller_number=CALLER)
    db.session.flush()
    recording = CallRecording(
        workspace_id=workspace.id,
        call_id=call.id,
        provider_recording_sid="RE" + "7" * 32,
        kind="voicemail",
        duration_seconds=14,
        provider_status="completed",
        transcript_status=transcript_status,
        transcript=text,
    )
    db.session.add(recording)
    db.session.commit()
    return call, recording


def test_a_voicemail_alert_waits_for_the_transcript_and_carries_it(client, workspace, inbox):
    choose(client, "ann@example.com", voicemail=True)
    _, recording = voicemail(workspace)
    smtp = smtp_settings(inbox.port)
    assert send_pending_alerts(later(2), smtp).queued == 0  # transcription still running

    recording.transcript_status = "completed"
    recording.transcript = "Hi, this is Jo, I need a quote for a new roof. Call me back."
    db.session.commit()
    assert send_pending_alerts(later(2), smtp).sent == 1
    message = inbox.messages[0]
    assert message["Subject"].startswith("New voicemail from (512) 555-0123")
    assert "Transcript:\r\nHi, this is Jo, I need a quote for a new roof." in message.get_content()
    assert send_pending_alerts(later(30), smtp).sent == 0


def test_a_voicemail_without_a_transcript_alerts_after_ten_minutes(client, workspace, inbox):
    choose(client, "ann@example.com", voicemail=True)
    voicemail(workspace)
    smtp = smtp_settings(inbox.port)
    assert send_pending_alerts(later(9), smtp).queued == 0
    assert send_pending_alerts(later(11), smtp).sent == 1
    assert "(Twilio made no transcript of this message.)" in inbox.messages[0].get_content()


def test_a_spike_of_blocked_calls_alerts_once_an_hour(client, workspace, inbox):
    choose(client, "ann@example.com", blocked_spike=True)
    now = utcnow()
    for n in range(SPIKE_THRESHOLD):
        db.session.add(
            BlockedCall(
                workspace_id=workspace.id,
                caller_number="+15125550166",
                tracking_number="+15125550147",
                provider_call_id=f"CA{n:032x}",
                attempted_at=now - timedelta(minutes=n),
            )
        )
    db.session.commit()
    smtp = smtp_settings(inbox.port)
    assert send_pending_alerts(now, smtp).sent == 1
    assert send_pending_alerts(now + timedelta(seconds=30), smtp).sent == 0
    message = inbox.messages[0]
    assert message["Subject"] == "Spike of blocked calls · Company 1"
    assert f"{SPIKE_THRESHOLD} calls from blocked numbers were refused" in message.get_content()
    # An hour on, the attempts have left the window: no new alert.
    assert send_pending_alerts(now + timedelta(hours=1, minutes=1), smtp).sent == 0


def test_a_mail_server_that_is_down_is_retried_and_the_alert_still_goes_once(
    client, workspace, inbox
):
    choose(client, "ann@example.com", missed_call=True)
    twilio_call(client, workspace, "no answer")
    closed_port = inbox.port + 1 if inbox.port < 65535 else inbox.port - 1
    down = smtp_settings(closed_port)

    run = send_pending_alerts(later(2), down)
    assert (run.queued, run.sent) == (1, 0)
    delivery = db.session.scalar(select(AlertDelivery))
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error

    # Not before its backoff, then through the server that is back.
    smtp = smtp_settings(inbox.port)
    assert send_pending_alerts(later(2), smtp).sent == 0
    assert send_pending_alerts(later(4), smtp).sent == 1
    assert send_pending_alerts(later(60), smtp).sent == 0
    assert len(inbox.messages) == 1
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_an_alert_the_server_keeps_refusing_is_given_up(client, workspace, inbox):
    choose(client, "ann@example.com", missed_call=True)
    twilio_call(client, workspace, "no answer")
    down = smtp_settings(inbox.port + 1 if inbox.port < 65535 else inbox.port - 1)
    for hours in range(MAX_ATTEMPTS):
        send_pending_alerts(later(2 + hours * 120), down)
    delivery = db.session.scalar(select(AlertDelivery))
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)


def test_without_a_mail_server_nothing_is_queued(client, workspace):
    choose(client, "ann@example.com", missed_call=True)
    twilio_call(client, workspace, "no answer")
    assert send_pending_alerts(later(), None).queued == 0
    assert db.session.scalar(select(AlertDelivery)) is None


def test_the_alerts_page_shows_saved_choices_and_warns_without_mail(client, workspace):
    choose(client, "ann@example.com", voicemail=True)
    page = client.get("/settings/alerts").get_data(as_text=True)
    assert 'checked id="voicemail" name="voicemail"' in page
    assert 'checked id="missed_call"' not in page
    assert "no mail server set up" in page


def test_a_call_alert_without_its_call_is_refused_clearly(app, workspace):
    with app.app_context(), pytest.raises(ValueError, match="about a call"):
        render_alert("missed_call", workspace, None, None, utcnow())
