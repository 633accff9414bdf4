"""Call outcomes from Twilio's real requests: every rule, any order, withheld callers, rollups."""

from __future__ import annotations

import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.services.calls.imports import import_calls
from ringtonic.services.calls.ingest import TWILIO_OUTCOMES
from ringtonic.services.reporting.rollups import rebuild_rollups
from ringtonic.services.telephony.phones import WITHHELD_CALLER_IDS
from tests.support.rollups import rollup_rows
from tests.support.telephony_helpers import (
    TRACKING,
    add_tracking_number,
    connect_twilio,
    post_signed,
)
from tests.support.twilio_requests import (
    CALLER,
    SCENARIOS,
    STATUS,
    VOICE,
    dial_action,
    status_callback,
    voice_request,
)

_sids = itertools.count(1)


def new_sid() -> str:
    return f"CA{next(_sids):032x}"


@pytest.fixture
def workspace(make_account):
    _, _, workspace = make_account()
    connect_twilio(workspace)
    add_tracking_number(workspace)
    return workspace


def deliver(client, workspace, requests) -> None:
    """POST each (endpoint, params) signed, as Twilio would; every one must be accepted."""
    for endpoint, params in requests:
        response = post_signed(client, f"/hooks/twilio/{endpoint}/{workspace.uuid}", params)
        assert response.status_code == 200, (endpoint, params)


def stored(sid: str) -> tuple[str, int]:
    return db.session.execute(
        select(Call.status, Call.duration_seconds).where(Call.provider_call_id == sid)
    ).one()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_outcome_is_stored_as_the_rule_says(client, workspace, name):
    scenario = SCENARIOS[name]
    sid = new_sid()
    deliver(client, workspace, scenario.requests(sid))
    assert stored(sid) == (scenario.status, scenario.seconds)


@pytest.mark.parametrize("name", list(SCENARIOS))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_order_and_any_repeats_store_the_same_outcome(client, workspace, name, data):
    scenario = SCENARIOS[name]
    sid = new_sid()
    requests = scenario.requests(sid)
    repeats = data.draw(st.lists(st.sampled_from(requests), max_size=len(requests)))
    deliver(client, workspace, data.draw(st.permutations(requests + repeats)))
    assert stored(sid) == (scenario.status, scenario.seconds)


def test_a_late_caller_leg_report_cannot_undo_the_dial_report(client, workspace):
    sid = new_sid()
    deliver(client, workspace, [(VOICE, voice_request(sid))])
    deliver(client, workspace, [(STATUS, dial_action(sid, "busy"))])
    # The caller's leg, answered by Twilio and long: still the busy the business gave.
    deliver(client, workspace, [(STATUS, status_callback(sid, "completed", 300))])
    assert stored(sid) == ("busy", 0)
    outcome_source = db.session.scalar(
        select(Call.outcome_source).where(Call.provider_call_id == sid)
    )
    assert outcome_source == "dial"


def test_rollups_count_each_call_once_with_its_final_outcome(client, workspace):
    for scenario in SCENARIOS.values():
        requests = scenario.requests(new_sid())
        # Last report first, then everything again: every call changes status on the way.
        deliver(client, workspace, [*reversed(requests), *requests])
    kept = rollup_rows(workspace.id)
    rebuild_rollups(workspace.id)
    db.session.commit()
    assert rollup_rows(workspace.id) == kept


@pytest.mark.parametrize(
    "caller", [*sorted(WITHHELD_CALLER_IDS), "Anonymous", "RESTRICTED", " +266 696 687 "]
)
def test_withheld_callers_are_stored_without_number_place_or_first_call(client, workspace, caller):
    first, second = new_sid(), new_sid()
    deliver(
        client,
        workspace,
        [
            (VOICE, voice_request(first, caller)),
            (STATUS, dial_action(first, "completed", 30, caller=caller)),
            # The second call is first known from its Dial report.
            (STATUS, dial_action(second, "no-answer", caller=caller)),
            (VOICE, voice_request(second, caller)),
        ],
    )
    rows = db.session.execute(
        select(
            Call.caller_number,
            Call.first_call,
            Call.caller_city,
            Call.caller_state,
            Call.caller_zip,
            Call.caller_country,
        ).order_by(Call.id)
    ).all()
    assert rows == [("", False, "", "", "", "")] * 2


def test_a_real_caller_keeps_number_place_and_first_call(client, workspace):
    sid = new_sid()
    deliver(client, workspace, [(VOICE, voice_request(sid))])
    call = db.session.scalar(select(Call))
    assert (call.caller_number, call.first_call, call.caller_city, call.caller_country) == (
        CALLER,
        True,
        "Austin",
        "US",
    )


def test_twilio_words_mean_the_same_in_webhooks_and_csv_import(client, workspace):
    words = ["completed", *TWILIO_OUTCOMES]
    for word in words:
        sid = new_sid()
        deliver(client, workspace, [(STATUS, status_callback(sid, word, 45))])
    rows = [
        f"2026-12-02 14:0{n}:00,+1512555020{n},{TRACKING},45,{word},,,,T-{n}"
        for n, word in enumerate(words)
    ]
    header = "started_at,caller_number,tracking_number,duration,status,city,state,zip,external_id"
    import_calls(workspace, io.BytesIO("\n".join([header, *rows]).encode()))
    db.session.commit()
    webhook = db.session.scalars(
        select(Call.status).where(Call.provider_call_id.is_not(None)).order_by(Call.id)
    ).all()
    imported = db.session.scalars(
        select(Call.status).where(Call.external_id.is_not(None)).order_by(Call.id)
    ).all()
    assert webhook == imported == ["answered", "missed", "missed", "busy", "failed"]


def test_csv_import_reads_every_withheld_caller_id_as_withheld(workspace):
    callers = [*sorted(WITHHELD_CALLER_IDS), "Anonymous", "Restricted"]
    header = "started_at,caller_number,tracking_number,duration,status,external_id"
    rows = [
        f"2026-12-02 14:{n:02d}:00,{caller},{TRACKING},0,canceled,W-{n}"
        for n, caller in enumerate(callers)
    ]
    result = import_calls(workspace, io.BytesIO("\n".join([header, *rows]).encode()))
    db.session.commit()
    assert result.imported == len(callers)
    stored_rows = db.session.execute(select(Call.caller_number, Call.first_call, Call.status)).all()
    assert stored_rows == [("", False, "missed")] * len(callers)
