"""Settings → Telephony: Twilio credentials encrypted at rest, webhook URLs, admins only."""

from __future__ import annotations

from sqlalchemy import select, text

from ringtonic import create_app
from ringtonic.extensions import db
from ringtonic.models import AuditEvent, TelephonyCredentials
from ringtonic.services.telephony.credentials import (
    decrypt_auth_token,
    encrypt_auth_token,
    save_credentials,
)
from tests.support.telephony_helpers import ACCOUNT_SID, AUTH_TOKEN, add_user
from tests.support.web_client import TEST_SECRET, post_form, sign_in

NEW_TOKEN = "fedcba9876543210fedcba9876543210"


def test_saved_token_is_encrypted_and_only_its_last_four_are_shown(client, make_account):
    _, user, workspace = make_account()
    sign_in(client, user.email)
    response = post_form(
        client, "/settings/telephony", {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
    )
    assert response.status_code == 302
    stored = db.session.execute(
        text("SELECT account_sid, auth_token_encrypted, token_hint FROM telephony_credentials")
    ).one()
    assert stored.account_sid == ACCOUNT_SID
    assert AUTH_TOKEN not in stored.auth_token_encrypted
    assert decrypt_auth_token(stored.auth_token_encrypted, TEST_SECRET) == AUTH_TOKEN
    assert stored.token_hint == "cdef"
    page = client.get("/settings/telephony").get_data(as_text=True)
    assert AUTH_TOKEN not in page and "••••••••cdef" in page and ACCOUNT_SID in page
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.workspace_id == workspace.id))
    assert audit.action == "telephony.credentials_saved"
    assert AUTH_TOKEN not in str(audit.details)


def test_blank_token_keeps_the_saved_one_and_a_new_one_replaces_it(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    data = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
    post_form(client, "/settings/telephony", data)
    other_sid = "AC" + "2" * 32
    post_form(client, "/settings/telephony", {"account_sid": other_sid, "auth_token": ""})
    credentials = db.session.scalar(select(TelephonyCredentials))
    assert credentials.account_sid == other_sid
    assert decrypt_auth_token(credentials.auth_token_encrypted, TEST_SECRET) == AUTH_TOKEN
    post_form(client, "/settings/telephony", {"account_sid": other_sid, "auth_token": NEW_TOKEN})
    db.session.expire_all()
    assert decrypt_auth_token(credentials.auth_token_encrypted, TEST_SECRET) == NEW_TOKEN
    assert credentials.token_hint == "3210"


def test_bad_credentials_are_field_errors(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    cases = [
        ({"account_sid": "AC123", "auth_token": AUTH_TOKEN}, "Account SID"),
        ({"account_sid": ACCOUNT_SID, "auth_token": "short"}, "32 letters and digits"),
        ({"account_sid": ACCOUNT_SID, "auth_token": ""}, "Enter the Auth Token"),
    ]
    for data, message in cases:
        response = post_form(client, "/settings/telephony", data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(TelephonyCredentials)) is None


def test_page_shows_both_webhook_urls_for_the_current_workspace(client, make_account):
    _, user, workspace = make_account()
    sign_in(client, user.email)
    page = client.get("/settings/telephony").get_data(as_text=True)
    assert f"http://localhost/hooks/twilio/voice/{workspace.uuid}" in page
    assert f"http://localhost/hooks/twilio/status/{workspace.uuid}" in page
    assert "RINGTONIC_PUBLIC_URL" in page
    assert 'data-copy-target="voice-webhook-url"' in page


def test_webhook_urls_use_the_configured_public_url(app_config, make_account):
    app_config["RINGTONIC_PUBLIC_URL"] = "https://calls.example.com"
    public = create_app(app_config).test_client()
    _, user, workspace = make_account()
    sign_in(public, user.email)
    page = public.get("/settings/telephony").get_data(as_text=True)
    assert f"https://calls.example.com/hooks/twilio/voice/{workspace.uuid}" in page
    assert "http://localhost/hooks" not in page


def test_token_saved_under_another_secret_key_asks_to_be_entered_again(client, make_account):
    _, user, workspace = make_account()
    db.session.add(
        TelephonyCredentials(
            workspace_id=workspace.id,
            account_sid=ACCOUNT_SID,
            auth_token_encrypted=encrypt_auth_token(AUTH_TOKEN, "an-older-secret-key-" + "y" * 32),
            token_hint="cdef",
        )
    )
    db.session.commit()
    sign_in(client, user.email)
    page = client.get("/settings/telephony").get_data(as_text=True)
    assert "can no longer be decrypted" in page


def test_only_admins_manage_telephony(client, make_account):
    account, _, _ = make_account()
    for role in ("manager", "member"):
        add_user(account, f"{role}@example.com", role)
        fresh = client.application.test_client()
        sign_in(fresh, f"{role}@example.com")
        assert fresh.get("/settings/telephony").status_code == 403
        data = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
        response = post_form(fresh, "/settings/telephony", data, page="/settings/profile")
        assert response.status_code == 403
    assert db.session.scalar(select(TelephonyCredentials)) is None


def test_page_shows_only_the_current_workspaces_credentials(client, make_account):
    _, user, _ = make_account()
    _, _, foreign = make_account()
    save_credentials(foreign, ACCOUNT_SID, AUTH_TOKEN, TEST_SECRET)
    db.session.commit()
    sign_in(client, user.email)
    page = client.get("/settings/telephony").get_data(as_text=True)
    assert ACCOUNT_SID not in page and "Not connected yet" in page
