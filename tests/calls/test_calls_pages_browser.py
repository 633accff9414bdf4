"""In headless Chromium: search and sort the calls log, edit a call's lead at 390 px."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from ringtonic.extensions import db
from tests.support.call_fixtures import add_call
from tests.support.web_client import PASSWORD

pytest_plugins = ["tests.support.browser"]
START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_search_sort_and_edit_a_lead_in_the_browser(browser_context, make_account):
    _, user, workspace = make_account(plan="agency", email="owner@example.com")
    for n in range(5):
        add_call(
            workspace,
            START - timedelta(hours=n),
            caller=f"+1512555010{n}",
            duration=n * 30,
            caller_city="Austin" if n % 2 else "Round Rock",
        )
    db.session.commit()
    page = browser_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/calls")
    # At phone width the filters fold behind a button.
    page.get_by_role("button", name="Filters", exact=True).click()
    page.get_by_label("Search").fill("round rock")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.locator("[data-total]")).to_have_text("3 calls")
    page.get_by_role("link", name="Duration").click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Duration")
    first = page.locator(".calls-table tbody tr").first
    expect(first).to_contain_text("(512) 555-0104")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392

    first.get_by_role("link", name="(512) 555-0104").click()
    page.get_by_label("Lead status").select_option("won")
    page.get_by_label("Value").fill("480")
    page.get_by_label("Tags").fill("water heater, booked")
    page.get_by_label("Note").fill("Booked for Friday.")
    page.get_by_role("button", name="Save lead").click()
    expect(page.get_by_text("Lead details saved.")).to_be_visible()
    expect(page.get_by_label("Value")).to_have_value("480.00")
    expect(page.get_by_label("Tags")).to_have_value("water heater, booked")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
