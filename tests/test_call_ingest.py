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
    reported_status,
)
from ringtonic.services.errors import NotFound
from tests.telephony_helpers import add_tracking_number, voice_params


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"DialCallStatus": "completed", "DialCallDuration": "42"}, ("answered", 42)),
        ({"DialCallStatus": "completed", "DialCallDuration": "0"}, ("missed", 0)),
        ({"DialCallStatus": "no-answer"}, ("missed", 0)),
        ({"DialCallStatus": "busy"}, ("busy", 0)),
        ({"DialCallStatus": "failed"}, ("failed", 0)),
        ({"DialCallStatus": "canceled"}, ("failed", 0)),
        ({"CallStatus": "ringing"}, ("ringing", 0)),
        ({"CallStatus": "in-progress"}, ("in-progress", 0)),
        ({"CallStatus": "completed", "CallDuration": "61"}, ("answered", 61)),
        # The forwarded leg's outcome beats the caller leg's plain "completed".
        (
            {"CallStatus": "completed", "CallDuration": "30", "DialCallStatus": "no-answer"},
            ("missed", 30),
        ),
        (
            {
                "DialCallStatus": "completed",
                "DialCallDuration": "25",
                "AnsweredBy": "machine_end_beep",
            },
            ("voicemail", 25),
        ),
        (
            {"DialCallStatus": "no-answer", "RecordingUrl": "https://api.twilio.com/rec/RE1"},
            ("voicemail", 0),
        ),
        ({"CallStatus": "something-new", "CallDuration": "junk"}, (None, 0)),
        ({"CallStatus": "completed", "CallDuration": "-5"}, ("missed", 0)),
    ],
)
def test_each_callback_reports_a_status_and_duration(params, expected):
    assert reported_status(params) == expected


CALLBACKS = {
    "answered": [
        {"CallStatus": "ringing"},
        {"CallStatus": "in-progress"},
        {"CallStatus": "in-progress", "DialCallStatus": "completed", "DialCallDuration": "80"},
        {"CallStatus": "completed", "CallDuration": "95"},
    ],
    "missed": [
        {"CallStatus": "ringing"},
        {"CallStatus": "in-progress", "DialCallStatus": "no-answer"},
        {"CallStatus": "completed", "CallDuration": "31"},
    ],
    "voicemail": [
        {"CallStatus": "in-progress"},
        {"DialCallStatus": "completed", "DialCallDuration": "20", "AnsweredBy": "machine_start"},
        {"CallStatus": "completed", "CallDuration": "28"},
    ],
    "busy": [
        {"CallStatus": "ringing"},
        {"DialCallStatus": "busy"},
        {"CallStatus": "completed", "CallDuration": "3"},
    ],
}
EXPECTED_DURATION = {"answered": 95, "missed": 31, "voicemail": 28, "busy": 3}


@pytest.mark.parametrize("outcome", sorted(CALLBACKS))
def test_callbacks_in_every_order_converge_on_the_same_final_state(make_account, outcome):
    _, _, workspace = make_account()
    add_tracking_number(workspace)
    for n, order in enumerate(permutations(CALLBACKS[outcome])):
        sid = f"CA{outcome}{n}"
        record_inbound_call(workspace, voice_params(sid))
        for callback in (*order, *order):  # every callback delivered twice
            apply_status_callback(workspace, voice_params(sid, **callback))
        db.session.commit()
        call = call_ingest.find_call(workspace, sid)
        assert (call.status, call.duration_seconds) == (
            outcome,
            EXPECTED_DURATION[outcome],
        ), order


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
