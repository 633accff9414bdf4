"""In headless Chromium: sign in, create a key, copy it, use it, revoke it, see it refused."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.web_client import PASSWORD

# The live_server and browser_context fixtures.
pytest_plugins = ["tests.support.browser"]


def test_create_copy_use_and_revoke_a_key_in_the_browser(browser_context, make_account):
    make_account(plan="agency", email="owner@example.com")
    page = browser_context.new_page()
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )

    page.goto("/login")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto("/settings/api-keys")
    page.get_by_label("Name").fill("SEO Utils Integration")
    page.get_by_role("button", name="Create API Key").click()
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    shown = page.locator("#new-api-key").inner_text()
    assert shown.startswith("ringtonic_") and len(shown) == 59

    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("button", name="Copied", exact=True)).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == shown

    def call_me():
        return page.request.get(
            "/api/v1/me",
            headers={"Authorization": f"Bearer {copied}", "Accept": "application/json"},
        )

    used = call_me()
    assert used.status == 200, used.text()
    assert used.json()["api_key"]["name"] == "SEO Utils Integration"

    page.get_by_role("link", name="Done, the key is stored").click()
    expect(page.locator("#new-api-key")).to_have_count(0)
    assert copied not in page.content()
    page.get_by_role("link", name="Revoke SEO Utils Integration").click()
    expect(
        page.get_by_role("heading", name="Revoke the API key “SEO Utils Integration”?")
    ).to_be_visible()
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_text("API key “SEO Utils Integration” revoked.")).to_be_visible()
    expect(page.get_by_role("link", name="Revoke SEO Utils Integration")).to_have_count(0)

    refused = call_me()
    assert refused.status == 401
    assert refused.json()["code"] == "revoked_api_key"
    # RFC 6750 §3: a refused token names the error.
    assert refused.headers["www-authenticate"].startswith(
        'Bearer realm="ringtonic", error="invalid_token"'
    )
    assert csp_violations == []
