"""Settings: workspaces per plan, the plan switch and its lock, role checks."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Account, User, Workspace
from ringtonic.services.accounts.passwords import hash_password
from tests.support.web_client import PASSWORD, post_form, sign_in


def workspace_count(account_id: int) -> int:
    return db.session.scalar(
        select(func.count(Workspace.id)).where(Workspace.account_id == account_id)
    )


def add_user(account: Account, email: str, role: str) -> User:
    user = User(
        account_id=account.id, email=email, password_hash=hash_password(PASSWORD), role=role
    )
    db.session.add(user)
    db.session.commit()
    return user


def test_indie_account_cannot_create_a_second_workspace(client, make_account):
    account, user, _ = make_account(plan="indie")
    sign_in(client, user.email)
    page = client.get("/settings/workspaces").get_data(as_text=True)
    assert "Upgrade to Agency" in page
    response = post_form(
        client,
        "/settings/workspaces",
        {"name": "Second", "time_zone": "America/Denver"},
        page="/settings/profile",
    )
    assert response.status_code == 403
    assert "one workspace" in response.get_data(as_text=True)
    assert workspace_count(account.id) == 1


def test_agency_account_creates_unlimited_workspaces_and_switches_to_them(client, make_account):
    account, user, first = make_account(plan="agency")
    sign_in(client, user.email)
    for n, zone in enumerate(["America/Denver", "America/Chicago", "Europe/London"]):
        response = post_form(
            client, "/settings/workspaces", {"name": f"Client {n}", "time_zone": zone}
        )
        assert response.status_code == 302
    assert workspace_count(account.id) == 4
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Client 2</h1>" in page
    response = post_form(client, "/workspaces/switch", {"workspace": str(first.uuid)})
    assert response.status_code == 302
    assert f"<h1>{first.name}</h1>" in client.get("/").get_data(as_text=True)


def test_workspace_names_are_unique_per_account_and_validated(client, make_account):
    account, user, first = make_account(plan="agency")
    sign_in(client, user.email)
    duplicate = post_form(
        client, "/settings/workspaces", {"name": first.name.upper(), "time_zone": "UTC"}
    )
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.get_data(as_text=True)
    bad_zone = post_form(
        client, "/settings/workspaces", {"name": "Elsewhere", "time_zone": "Mars/Olympus"}
    )
    assert bad_zone.status_code == 400
    assert "time zone" in bad_zone.get_data(as_text=True)
    too_long = post_form(client, "/settings/workspaces", {"name": "x" * 101, "time_zone": "UTC"})
    assert too_long.status_code == 400
    assert workspace_count(account.id) == 1


def test_rename_workspace_and_change_time_zone(client, make_account):
    _, user, workspace = make_account()
    sign_in(client, user.email)
    url = f"/settings/workspaces/{workspace.uuid}"
    response = post_form(client, url, {"name": "Renamed Co", "time_zone": "America/Denver"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (workspace.name, workspace.time_zone) == ("Renamed Co", "America/Denver")


def test_another_accounts_workspace_is_not_found(client, make_account):
    _, user, _ = make_account(plan="agency")
    _, _, foreign = make_account(plan="agency")
    sign_in(client, user.email)
    assert client.get(f"/settings/workspaces/{foreign.uuid}").status_code == 404
    assert client.get("/settings/workspaces/not-a-uuid").status_code == 404
    post_form(client, "/workspaces/switch", {"workspace": str(foreign.uuid)}, page="/")
    assert foreign.name not in client.get("/").get_data(as_text=True)


def test_admin_switches_plan_both_ways(client, make_account):
    account, user, _ = make_account(plan="indie")
    sign_in(client, user.email)
    page = client.get("/settings/plan").get_data(as_text=True)
    assert "API keys" in page
    assert post_form(client, "/settings/plan", {"plan": "agency"}).status_code == 302
    db.session.expire_all()
    assert account.plan == "agency"
    post_form(client, "/settings/plan", {"plan": "indie", "confirmed": "yes"})
    db.session.expire_all()
    assert account.plan == "indie"


def test_switching_to_indie_first_lists_what_stops_working(client, make_account):
    from ringtonic.services.accounts.workspaces import create_workspace
    from tests.support.call_fixtures import add_teammate
    from tests.support.keys import api_get, issue_key

    account, user, workspace = make_account(plan="agency")
    secret = issue_key(workspace, user, name="CRM sync")
    issue_key(workspace, user, name="Dashboard")
    create_workspace(account, "Second client", "UTC")
    add_teammate(account, "manager@example.com", "manager")
    db.session.commit()
    sign_in(client, user.email)

    plan_page = client.get("/settings/plan").get_data(as_text=True)
    assert 'href="/settings/plan/indie"' in plan_page
    # A switch that skipped the confirmation page is sent to it, and changes nothing.
    unconfirmed = post_form(client, "/settings/plan", {"plan": "indie"})
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["Location"] == "/settings/plan/indie"
    db.session.expire_all()
    assert account.plan == "agency"

    confirm = client.get("/settings/plan/indie").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", confirm).split())
    assert "2 working keys stop answering: every request gets 403 plan_required" in text
    assert "The 1 teammate already here keeps signing in." in text
    assert "This account has 2: the extra one stays usable" in text

    switched = post_form(
        client, "/settings/plan", {"plan": "indie", "confirmed": "yes"}, page="/settings/plan/indie"
    )
    assert switched.status_code == 302
    db.session.expire_all()
    assert account.plan == "indie"
    assert api_get(client, "/api/v1/me", secret).get_json()["code"] == "plan_required"
    keys_page = client.get("/settings/api-keys").get_data(as_text=True)
    assert keys_page.count("paused by plan") == 2
    # Back on Agency, no confirmation is needed and the keys work again.
    assert post_form(client, "/settings/plan", {"plan": "agency"}).status_code == 302
    assert api_get(client, "/api/v1/me", secret).status_code == 200


def test_plan_switch_refuses_unknown_plans(client, make_account):
    account, user, _ = make_account(plan="indie")
    sign_in(client, user.email)
    post_form(client, "/settings/plan", {"plan": "enterprise"})
    db.session.expire_all()
    assert account.plan == "indie"


def test_operator_can_lock_plan_switching(app_config, make_account):
    app_config["RINGTONIC_ALLOW_PLAN_CHANGES"] = False
    from ringtonic import create_app

    locked = create_app(app_config).test_client()
    account, user, _ = make_account(plan="indie")
    sign_in(locked, user.email)
    page = locked.get("/settings/plan").get_data(as_text=True)
    assert "Switch to Agency" not in page
    assert "managed by your administrator" in page
    response = post_form(locked, "/settings/plan", {"plan": "agency"}, page="/settings/profile")
    assert response.status_code == 403
    db.session.expire_all()
    assert account.plan == "indie"


def test_members_and_managers_cannot_change_plan_or_workspaces(client, make_account):
    account, _, workspace = make_account(plan="agency")
    for role in ("member", "manager"):
        add_user(account, f"{role}@example.com", role)
    for role in ("member", "manager"):
        fresh = client.application.test_client()
        sign_in(fresh, f"{role}@example.com")
        assert "Switch to" not in fresh.get("/settings/plan").get_data(as_text=True)
        assert (
            post_form(
                fresh, "/settings/plan", {"plan": "indie"}, page="/settings/profile"
            ).status_code
            == 403
        )
        assert (
            post_form(
                fresh,
                "/settings/workspaces",
                {"name": "Nope", "time_zone": "UTC"},
                page="/settings/profile",
            ).status_code
            == 403
        )
        assert fresh.get(f"/settings/workspaces/{workspace.uuid}").status_code == 403
    db.session.expire_all()
    assert account.plan == "agency"
    assert workspace_count(account.id) == 1
