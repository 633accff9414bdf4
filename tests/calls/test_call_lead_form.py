"""A call's page: managers edit its lead fields (the API's rules, audited); the caller's calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import AuditEvent, Call
from tests.support.call_fixtures import add_call, add_teammate
from tests.support.keys import issue_key
from tests.support.web_client import post_form, sign_in

START = datetime(2024, 3, 10, 13, 15, tzinfo=UTC)
GOOD = {
    "lead_status": "won",
    "value": "1250.50",
    "tags": "booked, vip , booked",
    "note": "Wants a quote.\r\nCall back Friday.",
}


@pytest.fixture
def call_page(make_account):
    account, admin, workspace = make_account(plan="agency")
    call = add_call(workspace, START, caller="+15125550147")
    db.session.commit()
    return account, admin, workspace, call, f"/calls/{call.uuid}"


def _call(call_id) -> Call:
    db.session.expire_all()
    return db.session.get(Call, call_id)


def _lead_events():
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "call.lead_updated")
    ).all()


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_and_admins_save_lead_fields_on_the_call_page(client, call_page, role):
    account, admin, _, call, url = call_page
    user = admin if role == "admin" else add_teammate(account, "manager@example.com", "manager")
    sign_in(client, user.email)
    page = client.get(url).get_data(as_text=True)
    assert 'action="' + url + '/lead"' in page

    saved = post_form(client, url + "/lead", GOOD, page=url, follow_redirects=True)

    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert "Lead details saved." in html
    assert 'value="1250.50"' in html and 'value="booked, vip"' in html
    stored = _call(call.id)
    assert stored.lead_status == "won" and stored.value == Decimal("1250.50")
    assert stored.tags == ["booked", "vip"]
    assert stored.note == "Wants a quote.\r\nCall back Friday."
    (event,) = _lead_events()
    assert event.actor_id == user.id and event.ip == "127.0.0.1"
    assert sorted(event.details["fields"]) == ["lead_status", "note", "tags", "value"]
    assert event.details["via"] == "web"


def test_emptied_fields_clear_and_an_unchanged_save_records_nothing(client, call_page):
    _, admin, _, call, url = call_page
    sign_in(client, admin.email)
    post_form(client, url + "/lead", GOOD, page=url)
    post_form(client, url + "/lead", GOOD, page=url)
    assert len(_lead_events()) == 1
    cleared = {"lead_status": "", "value": "", "tags": " , ", "note": ""}
    assert post_form(client, url + "/lead", cleared, page=url).status_code == 303
    stored = _call(call.id)
    assert (stored.lead_status, stored.value, stored.tags, stored.note) == (None, None, [], "")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"value": "1e3"}, "value", "Enter an amount in digits"),
        ({"value": "$250"}, "value", "Enter an amount in digits"),
        ({"value": "12.345"}, "value", "Enter an amount in digits"),
        ({"lead_status": "hot"}, "lead_status", "Choose a lead status from the list."),
        ({"tags": "x" * 51}, "tags", "1 to 50 characters"),
        ({"note": "bell\x07"}, "note", "without control characters"),
    ],
)
def test_bad_lead_values_are_refused_next_to_their_field_and_change_nothing(
    client, call_page, changes, field, message
):
    _, admin, _, call, url = call_page
    sign_in(client, admin.email)
    refused = post_form(client, url + "/lead", {**GOOD, **changes}, page=url)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    stored = _call(call.id)
    assert stored.lead_status is None and stored.value is None and stored.tags == []
    assert _lead_events() == []


def test_members_read_lead_fields_and_cannot_post_them(client, call_page):
    account, _, _, call, url = call_page
    stored = _call(call.id)
    stored.lead_status, stored.note = "qualified", "Read me"
    db.session.commit()
    member = add_teammate(account, "member@example.com", "member")
    sign_in(client, member.email)
    page = client.get(url).get_data(as_text=True)
    assert "qualified" in page and "Read me" in page
    assert "/lead" not in page and "Save lead" not in page
    token_page = "/settings/profile"
    refused = post_form(client, url + "/lead", GOOD, page=token_page)
    assert refused.status_code == 403
    assert _call(call.id).lead_status == "qualified"


def test_api_patch_is_audited_like_the_page(client, call_page):
    _, admin, workspace, call, _ = call_page
    secret = issue_key(workspace, admin, name="CRM sync", access="read_write")
    response = client.patch(
        f"/api/v1/calls/{call.uuid}",
        json={"lead_status": "contacted"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    (event,) = _lead_events()
    assert event.details["fields"] == ["lead_status"]
    assert event.details["via"].startswith("API key “CRM sync” ringtonic_…")


def test_call_page_lists_the_callers_other_calls(client, call_page):
    _, admin, workspace, call, url = call_page
    for n in range(12):
        add_call(workspace, START - timedelta(days=n + 1), caller="+15125550147")
    add_call(workspace, START, caller="+15125550999")
    db.session.commit()
    sign_in(client, admin.email)
    html = client.get(url).get_data(as_text=True)
    section = html.split("Other calls from this caller", 1)[1]
    assert section.count('<a href="/calls/') == 10
    assert "All 13 calls from (512) 555-0147" in section
    assert "/calls?q=%2B15125550147" in section
    lone = add_call(workspace, START, caller="+15125550888")
    db.session.commit()
    assert "No other calls from this number." in client.get(f"/calls/{lone.uuid}").get_data(
        as_text=True
    )
