"""Copy buttons on a plain-HTTP address that is not localhost (a LAN install)."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect, sync_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.web_client import PASSWORD

pytest_plugins = ["tests.support.browser"]
LAN_HOST = "ringtonic.lan"


def test_copy_button_selects_and_copies_the_new_key_on_a_lan_address(live_server, make_account):
    make_account(plan="agency", email="owner@example.com")
    port = urlsplit(live_server).port
    # The name resolves to this machine, but the origin is plain HTTP and not localhost:
    # the browser gives the page no Clipboard API, as on a LAN install.
    args = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {LAN_HOST} 127.0.0.1"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        page = browser.new_page(base_url=f"http://{LAN_HOST}:{port}")
        try:
            page.goto("/login")
            assert page.evaluate("window.isSecureContext") is False
            assert page.evaluate("navigator.clipboard === undefined")
            page.get_by_label("Email").fill("owner@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto("/settings/api-keys")
            page.get_by_label("Name").fill("LAN tool")
            page.get_by_role("button", name="Create API Key").click()
            shown = page.locator("#new-api-key").inner_text()

            page.get_by_role("button", name="Copy", exact=True).click()

            expect(page.get_by_role("button", name="Copied", exact=True)).to_be_visible()
            assert page.evaluate("window.getSelection().toString()").strip() == shown
        finally:
            browser.close()
