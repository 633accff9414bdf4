"""In headless Chromium: the Money Map on demo data, with a screenshot for people to look at."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from ringtonic.models.types import utcnow
from tests.support.money_map_demo import seed_demo_calls
from tests.support.web_client import PASSWORD

pytest_plugins = ["tests.support.browser"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"{message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


def _sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_money_map_on_demo_data_renders_without_console_errors(browser_context, make_account):
    _, user, workspace = make_account(plan="agency", email="owner@example.com")
    seed_demo_calls(workspace, utcnow())
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1440, "height": 1100})
    problems = _watch_console(page)
    _sign_in(page, user.email)

    page.get_by_role("link", name="Map", exact=True).click()
    expect(page.get_by_role("heading", name="Money Map")).to_be_visible()
    expect(page.get_by_role("img", name="Calls by state")).to_be_visible()
    assert page.locator("svg.us-map path[data-state]").count() >= 51
    assert page.locator("svg.us-map circle[data-calls]").count() > 10
    assert page.locator('path[data-state="TX"]').get_attribute("data-calls") != "0"
    expect(page.get_by_role("table")).to_contain_text("Texas")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "money-map.png"), full_page=True)

    # Sorting and the zip circles work by plain links, without any script.
    page.get_by_role("link", name="Zip codes").first.click()
    expect(page.locator("svg.us-map circle[data-calls]").first).to_be_visible()
    page.get_by_role("link", name="Cities").last.click()
    page.get_by_role("link", name="City").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("City")
    assert problems == []
