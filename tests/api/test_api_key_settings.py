"""Settings → API Keys through the HTML forms (CSRF on): create, reveal once, use, revoke."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Account, ApiKey, User
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.accounts import set_plan
from ringtonic.services.accounts.passwords import hash_password
from ringtonic.services.accounts.workspaces import create_workspace
from ringtonic.web.time_filters import local_text, relative_time
from tests.support.keys import api_get, issue_key
from tests.support.web_client import PASSWORD, hidden_fields, post_form, sign_in

KEYS_URL = "/settings/api-keys"
SECRET_RE = re.compile(r'id="new-api-key">(ringtonic_[0-9A-Za-z]{49})<')


def add_user(account: Account, email: str, role: str) -> User:
    user = User(
        account_id=account.id, email=email, password_hash=hash_password(PASSWORD), role=role
    )
    db.session.add(user)
    db.session.commit()
    return user


def key_count() -> int:
    return db.session.scalar(select(func.count(ApiKey.id)))


def stored_values():
    """Yield every value of every row of every table, as text."""
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                yield from (str(value) for value in row)


def create_key(client, name: str = "SEO Utils Integration", access: str = "read"):
    return post_form(client, KEYS_URL, {"name": name, "access": access})


def only_key() -> ApiKey:
    db.session.expire_all()
    return db.session.scalars(select(ApiKey)).one()


def only_key_named(name: str) -> ApiKey:
    db.session.expire_all()
    return db.session.scalars(select(ApiKey).where(ApiKey.name == name)).one()


def test_key_lifecycle_create_reveal_once_use_and_revoke(client, make_account, caplog):
    caplog.set_level(logging.DEBUG)
    _, admin, workspace = make_account(plan="agency", email="owner@example.com")
    sign_in(client, admin.email)
    assert "No API keys in this workspace yet." in client.get(KEYS_URL).get_data(as_text=True)

    created = create_key(client, name="  SEO Utils Integration  ")
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    page = created.get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    assert "it will not be shown again" in page and "like a password" in page
    assert 'data-copy-target="new-api-key"' in page
    assert "<script>" not in page and "onclick" not in page

    # Never again: not on later pages, in the session, the database or the logs.
    for url in (KEYS_URL, "/", "/settings/profile", "/settings/plan", KEYS_URL):
        assert secret not in client.get(url).get_data(as_text=True), url
    with client.session_transaction() as session:
        assert secret not in repr(dict(session))
    assert not any(secret in value for value in stored_values())
    listed = client.get(KEYS_URL).get_data(as_text=True)
    assert "SEO Utils Integration" in listed and f"ringtonic_…{secret[-4:]}" in listed
    assert "Read only" in listed and "by owner@example.com" in listed
    assert ">Never<" in listed

    assert api_get(client, "/api/v1/me", secret).status_code == 200
    key = only_key()
    assert key.last_used_at is not None
    listed = client.get(KEYS_URL).get_data(as_text=True)
    assert ">Never<" not in listed and "from 127.0.0.1" in listed
    exact = key.last_used_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    shown = local_text(key.last_used_at, workspace.time_zone)
    assert f'title="{exact}">{shown}</time>' in listed

    # Revoke through the trash button, its confirmation page and the confirming POST.
    confirm_url = f"{KEYS_URL}/{key.uuid}/revoke"
    assert f'href="{confirm_url}"' in listed and f"{confirm_url}?" not in listed
    assert 'aria-label="Revoke SEO Utils Integration"' in listed
    confirm = client.get(confirm_url).get_data(as_text=True)
    assert "Revoke the API key “SEO Utils Integration”?" in confirm
    assert only_key().revoked_at is None  # asking is not revoking
    revoked = post_form(client, confirm_url, {}, follow_redirects=True)
    page = revoked.get_data(as_text=True)
    assert "API key “SEO Utils Integration” revoked." in page
    assert "Revoked keys" in page and "by owner@example.com" in page
    assert 'aria-label="Revoke SEO Utils Integration"' not in page
    # The only key is revoked, not missing: the page does not say there never were keys.
    assert "No API keys in this workspace yet." not in page
    assert "No active API keys in this workspace" in page

    response = api_get(client, "/api/v1/me", secret)
    assert response.status_code == 401 and response.get_json()["code"] == "revoked_api_key"

    activity = " ".join(re.sub(r"<[^>]+>", " ", page.split("Recent activity", 1)[1]).split())
    hint = f"ringtonic_…{secret[-4:]}"
    for verb in ("revoked", "created"):
        line = f"owner@example.com {verb} the key “SEO Utils Integration” {hint} from 127.0.0.1"
        assert line in activity
    assert secret not in caplog.text


def test_reloading_the_create_post_neither_shows_nor_makes_another_key(client, make_account):
    _, admin, _ = make_account(plan="agency")
    sign_in(client, admin.email)
    form = client.get(KEYS_URL).get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([^"]+)"', form).group(1)
    data = {
        **hidden_fields(client, KEYS_URL),
        "submission": submission,
        "name": "CRM sync",
        "access": "read",
    }
    first = client.post(KEYS_URL, data=data)
    secret = SECRET_RE.search(first.get_data(as_text=True)).group(1)
    again = client.post(KEYS_URL, data=data)  # what a browser's reload of the POST sends
    assert again.status_code == 303 and again.headers["Location"] == KEYS_URL
    page = client.get(KEYS_URL).get_data(as_text=True)
    assert "already created" in page and secret not in page
    assert key_count() == 1


@pytest.mark.parametrize(
    ("name", "access", "message"),
    [
        ("", "read", "Enter a name for the key"),
        ("    ", "read", "Enter a name for the key"),
        ("x" * 101, "read", "at most 100 characters"),
        ("bell\x07inside", "read", "control characters"),
        ("Fine name", "admin", "Choose Read only or Read and write."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_creates_nothing(
    client, make_account, name, access, message
):
    _, admin, _ = make_account(plan="agency")
    sign_in(client, admin.email)
    response = create_key(client, name=name, access=access)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert key_count() == 0


def test_names_of_exactly_100_characters_are_accepted(client, make_account):
    _, admin, _ = make_account(plan="agency")
    sign_in(client, admin.email)
    assert create_key(client, name="n" * 100).status_code == 201
    assert only_key().name == "n" * 100


def test_read_and_write_access_is_stored_as_abilities(client, make_account):
    _, admin, _ = make_account(plan="agency")
    sign_in(client, admin.email)
    created = create_key(client, name="CRM sync", access="read_write")
    assert "Read and write" in created.get_data(as_text=True)
    assert only_key().abilities == ["read", "write"]
    create_key(client, name="Dashboard")
    abilities = {k.name: k.abilities for k in db.session.scalars(select(ApiKey))}
    assert abilities == {"CRM sync": ["read", "write"], "Dashboard": ["read"]}


def test_members_are_refused_and_managers_manage_keys(client, make_account):
    account, admin, workspace = make_account(plan="agency")
    issue_key(workspace, admin, name="Existing")
    key_uuid = only_key().uuid
    add_user(account, "member@example.com", "member")
    add_user(account, "manager@example.com", "manager")

    sign_in(client, "member@example.com")
    assert client.get(KEYS_URL).status_code == 403
    revoke_url = f"{KEYS_URL}/{key_uuid}/revoke"
    assert client.get(revoke_url).status_code == 403
    fields = hidden_fields(client, "/settings/profile")
    refused = client.post(KEYS_URL, data={**fields, "name": "Mine", "access": "read"})
    assert refused.status_code == 403
    assert client.post(revoke_url, data=fields).status_code == 403
    assert key_count() == 1 and only_key().revoked_at is None

    other = client.application.test_client()
    sign_in(other, "manager@example.com")
    assert create_key(other, name="Manager's key").status_code == 201
    assert post_form(other, revoke_url, {}).status_code == 302
    assert only_key_named("Existing").revoked_at is not None


def test_indie_page_explains_the_agency_plan_and_offers_no_form(client, make_account):
    _, admin, _ = make_account(plan="indie")
    sign_in(client, admin.email)
    page = client.get(KEYS_URL).get_data(as_text=True)
    assert "API keys come with the Agency plan." in page
    assert 'href="/settings/plan"' in page
    assert "Create API Key" not in page and 'name="name"' not in page
    refused = post_form(client, KEYS_URL, {"name": "Sneaky", "access": "read"})
    assert refused.status_code == 403
    assert "Agency plan" in refused.get_data(as_text=True)
    assert key_count() == 0


def test_keys_stay_listed_and_revocable_after_a_downgrade(client, make_account):
    account, admin, workspace = make_account(plan="agency")
    secret = issue_key(workspace, admin, name="Old dashboard")
    set_plan(account, "indie")
    db.session.commit()
    sign_in(client, admin.email)
    page = client.get(KEYS_URL).get_data(as_text=True)
    assert "Old dashboard" in page and "work again after an upgrade" in page
    assert "paused by plan" in page
    refused = api_get(client, "/api/v1/me", secret).get_json()
    assert refused["code"] == "plan_required"
    # Said once: which plan has the API, who can switch, where, and what happens then.
    assert refused["detail"].count("Agency plan") == 1
    assert refused["detail"].count("comes with") + refused["detail"].count("come with") == 1
    response = post_form(client, f"{KEYS_URL}/{only_key().uuid}/revoke", {})
    assert response.status_code == 302
    assert only_key().revoked_at is not None


def test_keys_of_other_workspaces_are_not_found(client, make_account):
    account, admin, home = make_account(plan="agency")
    home_secret = issue_key(home, admin, name="Home key")
    home_key = only_key()
    _, rival, rival_workspace = make_account(plan="agency")

    sign_in(client, rival.email)
    url = f"{KEYS_URL}/{home_key.uuid}/revoke"
    assert client.get(url).status_code == 404
    assert post_form(client, url, {}, page=KEYS_URL).status_code == 404
    assert "Home key" not in client.get(KEYS_URL).get_data(as_text=True)
    assert client.get(f"{KEYS_URL}/not-a-uuid/revoke").status_code == 404

    # The same account's other workspace does not see or reach it either.
    second = create_workspace(account, "Second client", "UTC")
    db.session.commit()
    own = client.application.test_client()
    sign_in(own, admin.email)
    post_form(own, "/workspaces/switch", {"workspace": str(second.uuid)}, page="/")
    assert "Home key" not in own.get(KEYS_URL).get_data(as_text=True)
    assert own.get(url).status_code == 404
    assert post_form(own, url, {}, page=KEYS_URL).status_code == 404
    assert only_key().revoked_at is None
    assert api_get(own, "/api/v1/me", home_secret).status_code == 200


def test_revoking_needs_the_csrf_token(client, make_account):
    _, admin, workspace = make_account(plan="agency")
    issue_key(workspace, admin)
    sign_in(client, admin.email)
    response = client.post(f"{KEYS_URL}/{only_key().uuid}/revoke")
    assert response.status_code == 400
    assert only_key().revoked_at is None


def test_revoking_twice_says_it_was_already_revoked(client, make_account):
    _, admin, workspace = make_account(plan="agency")
    issue_key(workspace, admin, name="Twice")
    sign_in(client, admin.email)
    url = f"{KEYS_URL}/{only_key().uuid}/revoke"
    post_form(client, url, {})
    again = post_form(client, url, {}, page=KEYS_URL, follow_redirects=True)
    assert "“Twice” was already revoked" in again.get_data(as_text=True)
    confirm = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "already revoked" in confirm


def test_settings_subnav_links_to_api_keys(client, make_account):
    _, admin, _ = make_account(plan="agency")
    sign_in(client, admin.email)
    page = client.get("/settings/profile").get_data(as_text=True)
    assert '<a href="/settings/api-keys">API Keys</a>' in page
    current = client.get(KEYS_URL).get_data(as_text=True)
    assert '<a href="/settings/api-keys" aria-current="page">API Keys</a>' in current


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "just now"), (59, "just now"), (60, "1 minute ago"), (150, "2 minutes ago")]
    + [(3600, "1 hour ago"), (7300, "2 hours ago"), (86400 * 3 + 5, "3 days ago")],
)
def test_relative_time_uses_the_largest_whole_unit(seconds, text):
    now = utcnow()
    assert relative_time(now - timedelta(seconds=seconds), now) == text


def test_api_key_pages_need_no_inline_script_or_style(client, make_account):
    _, admin, _ = make_account(plan="agency")
    sign_in(client, admin.email)
    created = create_key(client).get_data(as_text=True)
    pages = {
        "created": created,
        "list": client.get(KEYS_URL).get_data(as_text=True),
        "confirm": client.get(f"{KEYS_URL}/{only_key().uuid}/revoke").get_data(as_text=True),
        "docs": client.get("/docs/api").get_data(as_text=True),
    }
    for name, html in pages.items():
        assert "<script>" not in html and " style=" not in html, name
        assert not re.search(r"<[^>]+\son[a-z]+=", html), name


def test_created_page_shows_a_ready_curl_for_a_real_campaigns_geo_data(client, make_account):
    from html import unescape

    from tests.support.call_fixtures import add_campaign

    _, admin, workspace = make_account(plan="agency")
    campaign = add_campaign(workspace, "Google Business Profile")
    db.session.commit()
    sign_in(client, admin.email)
    page = post_form(client, KEYS_URL, {"name": "Try it", "access": "read"})
    html = page.get_data(as_text=True)
    secret = re.search(r'<code id="new-api-key">([^<]+)</code>', html).group(1)
    command = unescape(re.search(r'<code id="new-api-key-curl">([^<]+)</code>', html).group(1))
    url = f"http://localhost/api/v1/campaigns/{campaign.uuid}/geo-data"
    assert command == f"curl -H 'Authorization: Bearer {secret}' '{url}'"
    answered = api_get(client, url.removeprefix("http://localhost"), secret)
    assert answered.status_code == 200
    assert str(campaign.uuid) in answered.get_data(as_text=True)


def test_every_page_footer_links_to_the_api_reference(client, make_account):
    _, admin, _ = make_account()
    sign_in(client, admin.email)
    for page in ("/", "/calls", "/settings/profile"):
        assert '<a href="/docs/api">API reference</a>' in client.get(page).get_data(as_text=True)
