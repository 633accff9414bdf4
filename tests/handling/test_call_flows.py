"""Campaign call flows as TwiML: gate, business hours, whisper, consent and recording."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ringtonic.models import CallFlow
from ringtonic.models.handling import WEEKDAYS
from ringtonic.services.calls import ingest
from ringtonic.services.handling.flows import is_open
from tests.handling.flow_support import (
    BEFORE_DST,
    WEEKDAYS_9_TO_5,
    flow_workspace,
    hook,
    reported_calls,
    stored_call,
    twiml,
    url,
    verbs,
)
from tests.support.flow_requests import gather_action, whisper_request
from tests.support.telephony_helpers import FORWARDING
from tests.support.twilio_requests import dial_action, status_callback, voice_request

SID = "CA" + "1" * 32
AFTER_HOURS = "+15125550188"


def test_gate_asks_for_one_key_and_posts_it_to_the_gate_url(client, make_account):
    workspace, _ = flow_workspace(make_account, gate_enabled=True)
    root = twiml(hook(client, "voice", workspace, voice_request(SID)))
    assert verbs(root) == ["Gather"]
    gather = root.find("Gather")
    assert gather.attrib == {
        "action": url("gate", workspace),
        "method": "POST",
        "input": "dtmf",
        "numDigits": "1",
        "timeout": "6",
        "actionOnEmptyResult": "true",
    }
    assert gather.find("Say").text == "Thanks for calling. Press 1 to be connected."
    assert stored_call(SID).flow_stage == "gate"


def test_caller_who_presses_1_is_connected_and_counted(client, make_account):
    workspace, _ = flow_workspace(make_account, gate_enabled=True)
    hook(client, "voice", workspace, voice_request(SID))
    root = twiml(hook(client, "gate", workspace, gather_action(SID, "1")))
    assert verbs(root) == ["Dial"]
    assert root.find("Dial/Number").text == FORWARDING
    hook(client, "status", workspace, dial_action(SID, "completed", 42))
    hook(client, "status", workspace, status_callback(SID, "completed", 50))
    call = stored_call(SID)
    assert (call.status, call.duration_seconds, call.outcome_source) == ("answered", 42, "dial")
    assert reported_calls(workspace) == 1


@pytest.mark.parametrize("digits", [None, "2", "*"])
def test_caller_who_does_not_press_1_is_spam_gate_failed_not_missed(client, make_account, digits):
    workspace, _ = flow_workspace(make_account, gate_enabled=True)
    hook(client, "voice", workspace, voice_request(SID))
    root = twiml(hook(client, "gate", workspace, gather_action(SID, digits)))
    assert verbs(root) == ["Hangup"]
    # Twilio's status callback for the caller's leg, twice (a retry), then nothing undoes it.
    hook(client, "status", workspace, status_callback(SID, "completed", 9))
    hook(client, "status", workspace, status_callback(SID, "completed", 9))
    call = stored_call(SID)
    assert call.status == "spam_gate_failed"
    assert reported_calls(workspace) == 0


def test_caller_who_hangs_up_at_the_gate_is_spam_gate_failed(client, make_account):
    workspace, _ = flow_workspace(make_account, gate_enabled=True)
    hook(client, "voice", workspace, voice_request(SID))
    # No Gather action at all: the caller hung up; only the status callback comes.
    hook(client, "status", workspace, status_callback(SID, "ringing", None, 0))
    hook(client, "status", workspace, status_callback(SID, "completed", 4, 1))
    assert stored_call(SID).status == "spam_gate_failed"
    assert reported_calls(workspace) == 0


def test_whisper_uses_number_url_and_says_the_source(client, make_account):
    workspace, _ = flow_workspace(make_account, whisper_enabled=True)
    root = twiml(hook(client, "voice", workspace, voice_request(SID)))
    number = root.find("Dial/Number")
    assert number.attrib == {"url": url("whisper", workspace), "method": "POST"}
    assert number.text == FORWARDING
    whisper = twiml(hook(client, "whisper", workspace, whisper_request(SID)))
    assert verbs(whisper) == ["Say"]
    assert whisper.find("Say").text == "Call from Google Business Profile."


def test_whisper_of_an_unknown_call_connects_silently(client, make_account):
    workspace, _ = flow_workspace(make_account, whisper_enabled=True)
    assert verbs(twiml(hook(client, "whisper", workspace, whisper_request(SID)))) == []


def test_recording_announces_consent_first_then_records_both_parties(client, make_account):
    workspace, _ = flow_workspace(
        make_account, recording_enabled=True, consent_text="We record calls. Stay on to agree."
    )
    root = twiml(hook(client, "voice", workspace, voice_request(SID)))
    assert verbs(root) == ["Say", "Dial"]
    assert root.find("Say").text == "We record calls. Stay on to agree."
    assert root.find("Dial").attrib == {
        "action": url("status", workspace),
        "method": "POST",
        "answerOnBridge": "true",
        "record": "record-from-answer-dual",
        "recordingStatusCallback": url("recording", workspace),
        "recordingStatusCallbackMethod": "POST",
        "recordingStatusCallbackEvent": "completed absent",
    }


def test_consent_announcement_is_on_by_default_and_can_be_turned_off(client, make_account):
    assert CallFlow.__table__.c.consent_enabled.default.arg is True
    workspace, _ = flow_workspace(make_account, recording_enabled=True, consent_enabled=False)
    root = twiml(hook(client, "voice", workspace, voice_request(SID)))
    assert verbs(root) == ["Dial"]
    assert root.find("Dial").get("record") == "record-from-answer-dual"


def test_without_recording_the_dial_carries_no_recording_attributes(client, make_account):
    workspace, _ = flow_workspace(make_account, consent_enabled=True)
    root = twiml(hook(client, "voice", workspace, voice_request(SID)))
    assert verbs(root) == ["Dial"]
    assert root.find("Dial").attrib == {
        "action": url("status", workspace),
        "method": "POST",
        "answerOnBridge": "true",
    }


# Monday 9 March 2026 follows the US switch to daylight time (Sunday 8 March, 2:00).
# 13:30 UTC is 08:30 EST the Monday before (BEFORE_DST), and 09:30 EDT the Monday after.
AFTER_DST = datetime(2026, 3, 9, 13, 30, tzinfo=UTC)
# Back to standard time on Sunday 1 November 2026: 21:30 UTC is 17:30 EDT (closed) the
# Friday before, and 16:30 EST (open) the Monday after.
BACK_BEFORE = datetime(2026, 10, 30, 21, 30, tzinfo=UTC)
BACK_AFTER = datetime(2026, 11, 2, 21, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (BEFORE_DST, False),
        (AFTER_DST, True),
        (BACK_BEFORE, False),
        (BACK_AFTER, True),
        (datetime(2026, 3, 7, 15, 0, tzinfo=UTC), False),  # Saturday
    ],
)
def test_business_hours_follow_the_workspace_clock_across_dst(moment, open_):
    flow = CallFlow(
        hours_enabled=True,
        weekly_hours={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        closed_days=[],
    )
    assert is_open(flow, "America/New_York", moment) is open_


def test_closed_days_close_the_whole_local_day():
    every_day = {day: [["00:00", "24:00"]] for day in WEEKDAYS}
    flow = CallFlow(hours_enabled=True, weekly_hours=every_day, closed_days=["2026-12-25"])
    # 04:30 UTC on the 26th is still the 25th in New York; 05:30 is the 26th.
    assert not is_open(flow, "America/New_York", datetime(2026, 12, 26, 4, 30, tzinfo=UTC))
    assert is_open(flow, "America/New_York", datetime(2026, 12, 26, 5, 30, tzinfo=UTC))
    assert is_open(flow, "America/New_York", datetime(2026, 12, 25, 4, 30, tzinfo=UTC))


@pytest.mark.parametrize(("moment", "rings"), [(BEFORE_DST, AFTER_HOURS), (AFTER_DST, FORWARDING)])
def test_after_hours_calls_go_to_the_after_hours_number(
    client, make_account, monkeypatch, moment, rings
):
    workspace, _ = flow_workspace(
        make_account,
        hours_enabled=True,
        after_hours_action="forward",
        after_hours_number="(512) 555-0188",
        **WEEKDAYS_9_TO_5,
    )
    monkeypatch.setattr(ingest, "utcnow", lambda: moment)
    root = twiml(hook(client, "voice", workspace, voice_request(SID)))
    assert verbs(root) == ["Dial"]
    assert root.find("Dial").get("action") == url("status", workspace)
    assert root.find("Dial/Number").text == rings
    # The after-hours leg's Dial report decides the outcome, as for any forward.
    hook(client, "status", workspace, dial_action(SID, "no-answer", 0))
    hook(client, "status", workspace, status_callback(SID, "completed", 0))
    assert stored_call(SID).status == "missed"
