"""The call-handling pages: blocked lists by role, the Blocked calls log, spam button, flow form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import BlockedNumber, Call, CallFlow, Campaign
from tests.support.call_fixtures import add_call
from tests.support.team_support import add_member
from tests.support.telephony_helpers import add_tracking_number, connect_twilio, post_signed
from tests.support.twilio_requests import voice_request
from tests.support.web_client import post_form, sign_in

BLOCKED = "/settings/blocked-numbers"


@pytest.fixture
def agency(make_account):
    account, admin, workspace = make_account(plan="agency", email="admin@example.com")
    add_member(account, "manager@example.com", "manager")
    add_member(account, "member@example.com", "member")
    return account, workspace


def test_manager_blocks_a_number_in_the_workspace_and_sees_the_refused_call(client, agency):
    _, workspace = agency
    connect_twilio(workspace)
    add_tracking_number(workspace)
    sign_in(client, "manager@example.com")
    data = {"number": "(512) 555-0123", "reason": "telemarketer", "note": "Sells <solar>"}
    response = post_form(client, BLOCKED, data)
    assert response.status_code == 302
    entry = db.session.scalar(select(BlockedNumber))
    assert (entry.number, entry.reason, entry.workspace_id) == (
        "+15125550123",
        "telemarketer",
        workspace.id,
    )
    page = client.get(BLOCKED).get_data(as_text=True)
    assert "Telemarketer" in page and "manager@example.com" in page
    assert "Sells &lt;solar&gt;" in page
    assert "Blocked in every workspace" not in page  # the account list is for admins
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_request("CA" + "5" * 32))
    log = client.get("/calls/blocked").get_data(as_text=True)
    assert "Telemarketer" in log and "This workspace" in log


def test_duplicate_and_bad_entries_are_explained_next_to_the_field(client, agency):
    sign_in(client, "manager@example.com")
    post_form(client, BLOCKED, {"number": "+15125550123", "reason": "spam"})
    again = post_form(client, BLOCKED, {"number": "512 555 0123", "reason": "spam"})
    assert again.status_code == 400
    assert "already on this list" in again.get_data(as_text=True)


def test_members_cannot_see_or_change_blocked_numbers(client, agency):
    sign_in(client, "member@example.com")
    assert client.get(BLOCKED).status_code == 403
    assert client.get("/calls/blocked").status_code == 403


def test_only_admins_block_in_every_workspace_and_can_unblock(client, agency):
    sign_in(client, "admin@example.com")
    response = post_form(
        client, f"{BLOCKED}/account", {"account-number": "+15125550124", "account-reason": "other"}
    )
    assert response.status_code == 302
    entry = db.session.scalar(select(BlockedNumber))
    assert entry.workspace_id is None
    assert "Blocked in every workspace" in client.get(BLOCKED).get_data(as_text=True)
    response = post_form(client, f"{BLOCKED}/account/{entry.uuid}/delete", {}, page=BLOCKED)
    assert response.status_code == 302
    assert db.session.scalar(select(BlockedNumber)) is None


def test_spam_button_on_the_call_page_marks_and_unmarks(client, agency):
    _, workspace = agency
    call = add_call(workspace, caller="+15125550666")
    db.session.commit()
    sign_in(client, "manager@example.com")
    page = f"/calls/{call.uuid}"
    assert "Mark as spam" in client.get(page).get_data(as_text=True)
    response = post_form(client, f"/calls/{call.uuid}/spam", {"spam": "true"}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Call, call.id).spam is True
    assert "Not spam" in client.get(page).get_data(as_text=True)
    post_form(client, f"/calls/{call.uuid}/spam", {"spam": "false"}, page=page)
    db.session.expire_all()
    assert db.session.get(Call, call.id).spam is False
    assert db.session.scalar(select(BlockedNumber)) is None


def test_call_flow_form_saves_settings_and_explains_mistakes(client, agency):
    _, workspace = agency
    number = add_tracking_number(workspace)
    campaign = db.session.get(Campaign, number.campaign_id)
    sign_in(client, "manager@example.com")
    path = f"/campaigns/{campaign.uuid}/call-flow"
    page = client.get(path).get_data(as_text=True)
    assert "all-party" in page or "every party" in page
    bad = post_form(client, path, {"hours_enabled": "y", "hours_mon": "5pm-9am"})
    assert bad.status_code == 400
    assert "Write hours like" in bad.get_data(as_text=True)
    assert db.session.scalar(select(CallFlow)) is None
    good = post_form(
        client,
        path,
        {
            "gate_enabled": "y",
            "gate_prompt": "Press 1 for Acme.",
            "hours_enabled": "y",
            "hours_mon": "09:00-12:00, 13:00-17:00",
            "closed_days": "2026-12-25\n2027-01-01",
            "after_hours_action": "voicemail",
            "recording_enabled": "y",
            "consent_enabled": "y",
            "consent_text": "This call is recorded.",
            "voicemail_greeting": "Leave a message.",
        },
        page=path,
    )
    assert good.status_code == 302
    flow = db.session.scalar(select(CallFlow))
    assert flow.weekly_hours["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert flow.closed_days == ["2026-12-25", "2027-01-01"]
    assert (flow.gate_enabled, flow.recording_enabled, flow.voicemail_enabled) == (
        True,
        True,
        True,
    )
    shown = client.get(path).get_data(as_text=True)
    assert "09:00-12:00, 13:00-17:00" in shown
