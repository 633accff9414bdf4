"""Switching workspace lands on a page of the new workspace, never on a 404."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ringtonic.extensions import db
from ringtonic.services.accounts.workspaces import create_workspace
from tests.support.call_fixtures import add_call, add_campaign, add_number
from tests.support.web_client import post_form, sign_in


@pytest.fixture
def two_workspaces(client, make_account):
    """An agency admin signed in, working in the first of two workspaces with data."""
    account, user, first = make_account(plan="agency")
    second = create_workspace(account, "Second client", "UTC")
    campaign = add_campaign(first, "Google Business Profile")
    number = add_number(first, "+15125550100", campaign=campaign)
    call = add_call(first, datetime(2024, 3, 10, 13, 15, tzinfo=UTC), number=number)
    db.session.commit()
    sign_in(client, user.email)
    return first, second, {"campaign": campaign, "number": number, "call": call}


def _switch_from(client, page: str, workspace):
    referrer = f"http://localhost{page}"
    return post_form(
        client,
        "/workspaces/switch",
        {"workspace": str(workspace.uuid)},
        page=page,
        headers={"Referer": referrer},
    )


@pytest.mark.parametrize(
    ("detail", "listing"),
    [
        ("/campaigns/{campaign}", "/campaigns"),
        ("/numbers/{number}", "/numbers"),
        ("/calls/{call}", "/calls"),
    ],
)
def test_switching_on_a_detail_page_opens_the_list_page_of_the_new_workspace(
    client, two_workspaces, detail, listing
):
    first, second, rows = two_workspaces
    page = detail.format(**{name: row.uuid for name, row in rows.items()})
    assert client.get(page).status_code == 200

    response = _switch_from(client, page, second)

    assert response.status_code == 302
    assert response.headers["Location"] == listing
    landed = client.get(response.headers["Location"])
    assert landed.status_code == 200
    assert "Now working in Second client." in landed.get_data(as_text=True)


def test_switching_on_a_filtered_list_keeps_the_page_but_not_the_old_filters(
    client, two_workspaces
):
    first, second, rows = two_workspaces
    page = f"/calls?campaign={rows['campaign'].uuid}"
    response = _switch_from(client, page, second)
    assert response.headers["Location"] == "/calls"
    assert client.get("/calls").status_code == 200


def test_switching_from_another_site_or_an_unknown_page_goes_to_the_dashboard(
    client, two_workspaces
):
    _, second, _ = two_workspaces
    elsewhere = post_form(
        client,
        "/workspaces/switch",
        {"workspace": str(second.uuid)},
        page="/",
        headers={"Referer": "https://evil.example/calls"},
    )
    assert elsewhere.headers["Location"] == "/"
    assert _switch_from(client, "/no-such-page", second).headers["Location"] == "/"
