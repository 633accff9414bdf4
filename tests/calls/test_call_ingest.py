"""Call ingest service: status precedence, convergence in any order, retry races."""

from __future__ import annotations

from itertools import permutations

import pytest
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.services.calls import ingest as call_ingest
from ringtonic.services.calls.ingest import (
    apply_status_callback,
    record_inbound_call,
    reported_outcome,
)
from ringtonic.services.errors import NotFound
from tests.support.telephony_helpers import add_tracking_number, voice_params
from tests.support.twilio_requests import SCENARIOS, VOICE


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"DialCallStatus": "completed", "DialCallDuration": "42"}, ("answered", 42, "dial")),
        ({"DialCallStatus": "answered", "DialCallDuration": "42"}, ("answered", 42, "dial")),
        ({"DialCallStatus": "completed", "DialCallDuration": "0"}, ("missed", 0, "dial")),
        ({"DialCallStatus": "completed"}, ("missed", 0, "dial")),
        ({"DialCallStatus": "no-answer"}, ("missed", 0, "dial")),
        ({"DialCallStatus": "canceled"}, ("missed", 0, "dial")),
        ({"DialCallStatus": "busy"}, ("busy", 0, "dial")),
        ({"DialCallStatus": "failed"}, ("failed", 0, "dial")),
        # The caller's leg beside a Dial report is not the outcome, whatever it says.
        (
            {"CallStatus": "completed", "CallDuration": "30", "DialCallStatus": "no-answer"},
            ("missed", 0, "dial"),
        ),
        (
            {"CallStatus": "completed", "DialCallStatus": "completed", "DialCallDuration": "61"},
            ("answered", 61, "dial"),
        ),
        ({"CallStatus": "queued"}, ("ringing", 0, "caller")),
        ({"CallStatus": "ringing"}, ("ringing", 0, "caller")),
        ({"CallStatus": "in-progress"}, ("in-progress", 0, "caller")),
        ({"CallStatus": "completed", "CallDuration": "61"}, ("answered", 61, "caller")),
        ({"CallStatus": "completed", "CallDuration": "0"}, ("missed", 0, "caller")),
        ({"CallStatus": "completed", "CallDuration": "-5"}, ("missed", 0, "caller")),
        ({"CallStatus": "canceled", "CallDuration": "0"}, ("missed", 0, "caller")),
        ({"CallStatus": "no-answer"}, ("missed", 0, "caller")),
        ({"CallStatus": "busy"}, ("busy", 0, "caller")),
        ({"CallStatus": "failed"}, ("failed", 0, "caller")),
        (
            {
                "DialCallStatus": "completed",
                "DialCallDuration": "25",
                "AnsweredBy": "machine_end_beep",
            },
            ("voicemail", 25, "dial"),
        ),
        ({"CallStatus": "completed", "AnsweredBy": "human"}, ("missed", 0, "caller")),
        (
            {
                "CallStatus": "completed",
                "RecordingUrl": "https://api.twilio.com/rec/RE1",
                "RecordingDuration": "23",
            },
            ("voicemail", 23, "caller"),
        ),
        # Dial's recording of the conversation (record=...) is not a message.
        (
            {
                "DialCallStatus": "completed",
                "DialCallDuration": "40",
                "RecordingUrl": "https://api.twilio.com/rec/RE2",
            },
            ("answered", 40, "dial"),
        ),
    ],
)
def test_each_callback_reports_an_outcome(params, expected):
    outcome = reported_outcome(params)
    assert (outcome.status, outcome.seconds, outcome.source) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"CallStatus": "something-new", "CallDuration": "junk"},
        {"DialCallStatus": "something-new", "CallStatus": "completed", "CallDuration": "9"},
        {},
    ],
)
def test_callbacks_with_nothing_usable_report_nothing(params):
    assert reported_outcome(params) is None


def deliver(workspace, requests) -> None:
    for endpoint, params in requests:
        if endpoint == VOICE:
            record_inbound_call(workspace, params)
        else:
            apply_status_callback(workspace, params)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_callbacks_in_every_order_converge_on_the_same_final_state(make_account, name):
    _, _, workspace = make_account()
    add_tracking_number(workspace)
    scenario = SCENARIOS[name]
    for n, order in enumerate(permutations(range(len(scenario.requests("CA0"))))):
        sid = f"CA{n:032x}"
        requests = scenario.requests(sid)
        ordered = [requests[i] for i in order]
        deliver(workspace, [*ordered, *ordered])  # every request delivered twice
        db.session.commit()
        call = call_ingest.find_call(workspace, sid)
        assert (call.status, call.duration_seconds) == (scenario.status, scenario.seconds), order


def test_retry_racing_the_first_delivery_returns_the_stored_call(make_account, monkeypatch):
    _, _, workspace = make_account()
    add_tracking_number(workspace)
    first = record_inbound_call(workspace, voice_params("CArace"))
    db.session.commit()
    # The retry looked before the first delivery committed: it saw no call and inserts.
    real_find = call_ingest.find_call
    lookups = iter([None])
    monkeypatch.setattr(
        call_ingest, "find_call", lambda ws, sid: next(lookups, None) or real_find(ws, sid)
    )
    again = record_inbound_call(workspace, voice_params("CArace"))
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Call.id))) == 1


def test_call_to_a_number_of_another_workspace_is_unknown(make_account):
    _, _, workspace = make_account()
    _, _, other = make_account()
    add_tracking_number(other)
    with pytest.raises(NotFound):
        record_inbound_call(workspace, voice_params())
