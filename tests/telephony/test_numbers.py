"""Numbers pages: add and edit tracking numbers, E.164 storage, field errors, last call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Call, PhoneNumber
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.workspaces import create_workspace
from ringtonic.services.telephony.campaigns import create_campaign, set_campaign_archived
from tests.support.telephony_helpers import add_tracking_number, add_user
from tests.support.web_client import post_form, sign_in


def number_form(**overrides) -> dict:
    data = {
        "number": "(512) 555-0147",
        "friendly_name": "GBP listing",
        "forwarding_number": "512.555.0100",
        "campaign": "",
        "source": "Google Business Profile",
        "medium": "organic",
    }
    data.update(overrides)
    return data


def number_count() -> int:
    return db.session.scalar(select(func.count(PhoneNumber.id)))


def test_add_number_stores_e164_with_campaign_and_fixed_source(client, make_account):
    _, user, workspace = make_account()
    campaign = create_campaign(workspace, "Google Business Profile", "static")
    db.session.commit()
    sign_in(client, user.email)
    form = client.get("/numbers").get_data(as_text=True)
    assert f'<option value="{campaign.uuid}">Google Business Profile</option>' in form
    response = post_form(client, "/numbers", number_form(campaign=str(campaign.uuid)))
    assert response.status_code == 302
    number = db.session.scalar(select(PhoneNumber))
    assert (number.number, number.forwarding_number) == ("+15125550147", "+15125550100")
    assert (number.workspace_id, number.campaign_id) == (workspace.id, campaign.id)
    assert (number.friendly_name, number.source, number.medium) == (
        "GBP listing",
        "Google Business Profile",
        "organic",
    )
    listing = client.get("/numbers").get_data(as_text=True)
    assert "(512) 555-0147" in listing and "no calls yet" in listing


def test_bad_numbers_are_field_errors_and_nothing_is_saved(client, make_account):
    _, user, workspace = make_account()
    add_tracking_number(workspace, "+15125550147", campaign_name=None)
    _, _, other = make_account()
    foreign_campaign = create_campaign(other, "Theirs", "static")
    db.session.commit()
    sign_in(client, user.email)
    cases = [
        ({"number": ""}, "Enter a phone number."),
        ({"number": "call me maybe"}, "Enter a phone number like"),
        ({"number": "+1 512 555"}, "not a valid phone number"),
        ({"number": "+1 900 555 0147"}, "landline, mobile or toll-free"),
        ({"forwarding_number": "12"}, "not a valid phone number"),
        ({"number": "+1 512 555 0147"}, "already a tracking number"),
        ({"number": "+1 512 555 0160", "forwarding_number": "512-555-0160"}, "not to the tracking"),
        (
            {"number": "+1 512 555 0161", "campaign": str(foreign_campaign.uuid)},
            "Choose a campaign",
        ),
        ({"number": "+1 512 555 0162", "source": "s" * 101}, "at most 100 characters"),
    ]
    for overrides, message in cases:
        response = post_form(client, "/numbers", number_form(**overrides))
        assert response.status_code == 400, overrides
        html = response.get_data(as_text=True)
        assert message in html, (overrides, message)
        assert 'aria-invalid="true"' in html, overrides
    assert number_count() == 1


def test_archived_campaign_cannot_take_new_numbers(client, make_account):
    _, user, workspace = make_account()
    campaign = create_campaign(workspace, "Old flyer", "static")
    set_campaign_archived(campaign, True)
    db.session.commit()
    sign_in(client, user.email)
    response = post_form(client, "/numbers", number_form(campaign=str(campaign.uuid)))
    assert response.status_code == 400
    assert "archived" in response.get_data(as_text=True)
    assert number_count() == 0


def test_edit_number(client, make_account):
    _, user, workspace = make_account()
    number = add_tracking_number(workspace)
    website = create_campaign(workspace, "Website", "website")
    db.session.commit()
    sign_in(client, user.email)
    url = f"/numbers/{number.uuid}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="+15125550147"' in page
    data = number_form(
        number="+1 512 555 0147",
        forwarding_number="+1 512 555 0199",
        campaign=str(website.uuid),
        source="Website",
        medium="organic",
        friendly_name="Header",
    )
    assert post_form(client, url, data).status_code == 302
    db.session.expire_all()
    assert (number.forwarding_number, number.campaign_id, number.source, number.friendly_name) == (
        "+15125550199",
        website.id,
        "Website",
        "Header",
    )


def test_numbers_list_shows_the_latest_call_in_the_workspace_time_zone(client, make_account):
    _, user, workspace = make_account()
    workspace.time_zone = "America/Chicago"
    number = add_tracking_number(workspace)
    for sid, started, caller in [
        ("CAold", utcnow() - timedelta(days=3), "+15125550111"),
        ("CAnew", datetime(2026, 3, 4, 21, 5, tzinfo=UTC), "+15125550122"),
    ]:
        db.session.add(
            Call(
                workspace_id=workspace.id,
                phone_number_id=number.id,
                tracking_number=number.number,
                caller_number=caller,
                started_at=started,
                provider_call_id=sid,
            )
        )
    db.session.commit()
    sign_in(client, user.email)
    html = client.get("/numbers").get_data(as_text=True)
    assert "(512) 555-0111" in html  # three days ago is the latest
    db.session.execute(
        Call.__table__.update()
        .where(Call.provider_call_id == "CAold")
        .values(started_at=datetime(2026, 1, 1, tzinfo=UTC))
    )
    db.session.commit()
    html = client.get("/numbers").get_data(as_text=True)
    assert "Mar 4, 2026, 3:05 PM" in html and "(512) 555-0122" in html


def test_members_read_numbers_without_forms_and_cannot_change_them(client, make_account):
    account, _, workspace = make_account()
    number = add_tracking_number(workspace)
    add_user(account, "member@example.com", "member")
    sign_in(client, "member@example.com")
    listing = client.get("/numbers").get_data(as_text=True)
    assert "(512) 555-0147" in listing and "Add a tracking number" not in listing
    detail = client.get(f"/numbers/{number.uuid}")
    assert detail.status_code == 200
    assert "<form" not in detail.get_data(as_text=True).split("<main", 1)[1]
    assert post_form(client, "/numbers", number_form(number="+15125550160")).status_code == 403
    response = post_form(client, f"/numbers/{number.uuid}", number_form(), page="/numbers")
    assert response.status_code == 403
    assert number_count() == 1


def test_another_accounts_or_workspaces_number_is_not_found(client, make_account):
    account, user, _ = make_account(plan="agency")
    _, _, foreign_workspace = make_account()
    foreign = add_tracking_number(foreign_workspace)
    sibling = add_tracking_number(create_workspace(account, "Second", "America/Denver"))
    sign_in(client, user.email)
    for number in (foreign, sibling):
        url = f"/numbers/{number.uuid}"
        assert client.get(url).status_code == 404
        response = post_form(client, url, number_form(number="+15125550170"), page="/numbers")
        assert response.status_code == 404
    assert client.get("/numbers/12345").status_code == 404
    db.session.expire_all()
    assert {foreign.number, sibling.number} == {"+15125550147"}
