"""Campaigns pages: create, rename, archive, 30-day counts, the Campaign ID, roles, isolation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import AuditEvent, Call, Campaign
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.workspaces import create_workspace
from ringtonic.services.telephony.campaigns import create_campaign, list_campaigns
from tests.support.telephony_helpers import add_tracking_number, add_user
from tests.support.web_client import post_form, sign_in


def add_call(number, days_ago: float, sid: str) -> None:
    db.session.add(
        Call(
            workspace_id=number.workspace_id,
            campaign_id=number.campaign_id,
            phone_number_id=number.id,
            tracking_number=number.number,
            caller_number="+15125550123",
            started_at=utcnow() - timedelta(days=days_ago),
            provider_call_id=sid,
        )
    )
    db.session.commit()


def test_create_campaign_and_see_its_id_with_a_copy_button(client, make_account):
    _, user, workspace = make_account()
    sign_in(client, user.email)
    response = post_form(client, "/campaigns", {"name": "  Spring   mailer ", "type": "static"})
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.name, campaign.type, campaign.workspace_id) == (
        "Spring mailer",
        "static",
        workspace.id,
    )
    assert response.headers["Location"] == f"/campaigns/{campaign.uuid}"
    page = client.get(f"/campaigns/{campaign.uuid}").get_data(as_text=True)
    assert f'<code id="campaign-id">{campaign.uuid}</code>' in page
    assert 'data-copy-target="campaign-id"' in page
    listing = client.get("/campaigns").get_data(as_text=True)
    assert (
        str(campaign.uuid) in listing
        and f'data-copy-target="campaign-id-{campaign.uuid}"' in listing
    )
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "campaign.created")
    )


def test_campaign_form_errors_are_shown_on_their_fields(client, make_account):
    _, user, workspace = make_account()
    create_campaign(workspace, "Yelp", "static")
    db.session.commit()
    sign_in(client, user.email)
    cases = [
        ({"name": "", "type": "static"}, "Enter a campaign name."),
        ({"name": "x" * 101, "type": "static"}, "at most 100 characters"),
        ({"name": "YELP", "type": "static"}, "already exists"),
        ({"name": "Radio", "type": "billboard"}, "Choose static or website."),
    ]
    for data, message in cases:
        response = post_form(client, "/campaigns", data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(db.func.count(Campaign.id))) == 1


def test_rename_change_type_archive_and_restore(client, make_account):
    _, user, workspace = make_account()
    campaign = create_campaign(workspace, "Website", "static")
    db.session.commit()
    sign_in(client, user.email)
    url = f"/campaigns/{campaign.uuid}"
    assert post_form(client, url, {"name": "Main website", "type": "website"}).status_code == 302
    db.session.expire_all()
    assert (campaign.name, campaign.type) == ("Main website", "website")
    assert post_form(client, url + "/archive", {}, page=url).status_code == 302
    db.session.expire_all()
    assert campaign.archived_at is not None
    listing = client.get("/campaigns").get_data(as_text=True)
    assert "archived" in listing
    assert "Restore campaign" in client.get(url).get_data(as_text=True)
    assert post_form(client, url + "/unarchive", {}, page=url).status_code == 302
    db.session.expire_all()
    assert campaign.archived_at is None


def test_list_counts_calls_of_the_last_30_days_per_campaign(client, make_account):
    _, user, workspace = make_account()
    gbp = add_tracking_number(workspace, "+15125550147", "Google Business Profile")
    ads = add_tracking_number(workspace, "+15125550148", "Google Ads")
    # 30 local days ending today: 28.5 days ago is always inside, 30.5 always outside.
    for n, days in enumerate([1, 5, 28.5, 30.5, 60]):
        add_call(gbp, days, f"CAgbp{n}")
    add_call(ads, 2, "CAads")
    create_campaign(workspace, "Empty", "static")
    db.session.commit()
    sign_in(client, user.email)
    page = client.get("/campaigns").get_data(as_text=True)
    rows = {
        name: page.split(name, 1)[1].split("</tr>", 1)[0]
        for name in ("Google Business Profile", "Google Ads", "Empty")
    }
    assert '<td class="num">3</td>' in rows["Google Business Profile"]
    assert '<td class="num">1</td>' in rows["Google Ads"]
    assert '<td class="num">0</td>' in rows["Empty"]


def test_campaign_counts_ignore_other_workspaces(make_account):
    _, _, workspace = make_account()
    _, _, other = make_account()
    number = add_tracking_number(workspace)
    add_call(number, 1, "CA1")
    create_campaign(other, "Google Business Profile", "static")
    db.session.commit()
    summaries = list_campaigns(other)
    assert [(s.campaign.name, s.recent_calls) for s in summaries] == [
        ("Google Business Profile", 0)
    ]


def test_members_read_campaigns_but_see_no_forms_and_cannot_change_them(client, make_account):
    account, _, workspace = make_account()
    campaign = create_campaign(workspace, "Yelp", "static")
    db.session.commit()
    add_user(account, "member@example.com", "member")
    sign_in(client, "member@example.com")
    listing = client.get("/campaigns")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "Yelp" in html and "New campaign" not in html
    detail = client.get(f"/campaigns/{campaign.uuid}").get_data(as_text=True)
    assert str(campaign.uuid) in detail and "Archive campaign" not in detail
    url = f"/campaigns/{campaign.uuid}"
    assert post_form(client, "/campaigns", {"name": "X", "type": "static"}).status_code == 403
    assert post_form(client, url, {"name": "X", "type": "static"}).status_code == 403
    assert post_form(client, url + "/archive", {}, page=url).status_code == 403
    db.session.expire_all()
    assert (campaign.name, campaign.archived_at) == ("Yelp", None)


def test_managers_can_manage_campaigns(client, make_account):
    account, _, _ = make_account()
    add_user(account, "manager@example.com", "manager")
    sign_in(client, "manager@example.com")
    assert post_form(client, "/campaigns", {"name": "Ads", "type": "static"}).status_code == 302


def test_another_accounts_or_workspaces_campaign_is_not_found(client, make_account):
    account, user, _ = make_account(plan="agency")
    _, _, foreign_workspace = make_account()
    foreign = create_campaign(foreign_workspace, "Theirs", "static")
    sibling_workspace = create_workspace(account, "Second client", "America/Denver")
    sibling = create_campaign(sibling_workspace, "Sibling", "static")
    db.session.commit()
    sign_in(client, user.email)  # working in the account's first workspace
    for campaign in (foreign, sibling):
        url = f"/campaigns/{campaign.uuid}"
        assert client.get(url).status_code == 404
        data = {"name": "Hijacked", "type": "static"}
        assert post_form(client, url, data, page="/campaigns").status_code == 404
        assert post_form(client, url + "/archive", {}, page="/campaigns").status_code == 404
        assert post_form(client, url + "/unarchive", {}, page="/campaigns").status_code == 404
    assert client.get("/campaigns/not-a-uuid").status_code == 404
    db.session.expire_all()
    assert (foreign.name, foreign.archived_at, sibling.name) == ("Theirs", None, "Sibling")


def test_tracking_pages_have_no_inline_script_or_style(client, make_account):
    _, user, workspace = make_account()
    number = add_tracking_number(workspace)
    campaign_uuid = db.session.scalar(select(Campaign.uuid))
    sign_in(client, user.email)
    for url in (
        "/campaigns",
        f"/campaigns/{campaign_uuid}",
        "/numbers",
        f"/numbers/{number.uuid}",
        "/settings/telephony",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html and "style=" not in html, url
