"""In headless Chromium at phone (390 px) and desktop (1366 px) width: the pages people live in.

Each page is screenshotted into test-artifacts/layout/ for people to review, must not scroll
sideways, and must pass axe-core (injected by the test) without serious or critical violations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.models.types import utcnow
from tests.support.keys import issue_key
from tests.support.money_map_demo import seed_demo_calls
from tests.support.team_support import add_member
from tests.support.web_client import PASSWORD

pytest_plugins = ["tests.support.browser"]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "layout"
# axe-core 4.14.1 (MPL-2.0, tests/assets/axe-core-LICENSE), vendored so tests run offline.
AXE = ROOT / "tests" / "assets" / "axe-4.14.1.min.js"
WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}
PAGES = {
    "dashboard": "/",
    "calls-log": "/calls",
    "call-detail": "/calls/{call}",
    "money-map": "/map",
    "money-map-us": "/map?area=us",
    "money-map-texas": "/map?area=TX&circles=zip",
    "api-keys": "/settings/api-keys",
    "team": "/settings/team",
    "website-tracking": "/settings/website",
}
BLOCKING = ("serious", "critical")


@pytest.fixture
def signed_in(browser_context, make_account):
    """A page signed in as the admin of an agency workspace with demo calls, a key, a teammate."""
    account, user, workspace = make_account(plan="agency", email="owner@example.com")
    seed_demo_calls(workspace, utcnow())
    issue_key(workspace, user, name="Reporting dashboard for the client's agency")
    add_member(account, "a.very.long.teammate.address@example-agency.com", "manager")
    call = db.session.scalars(
        db.select(Call).where(Call.workspace_id == workspace.id).order_by(Call.id)
    ).first()
    page = browser_context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page, {"call": call.uuid}


def _axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in result
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_pages_fit_the_screen_and_pass_axe(signed_in, width):
    page, ids = signed_in
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for name, path in PAGES.items():
        response = page.goto(path.format(**ids))
        assert response is not None and response.status == 200, f"{name}: {path}"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        found = _axe_violations(page)
        overflow = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        if overflow[0] > overflow[1]:
            found.append(f"scrolls sideways: {overflow[0]} px wide in {overflow[1]} px")
        clipped = page.evaluate(
            "() => [...document.querySelectorAll('.table-wrap')]"
            ".filter(w => w.scrollWidth > w.clientWidth + 1).length"
        )
        if clipped:
            found.append(f"{clipped} table(s) cut off, scrolling inside their card")
        if found:
            problems[name] = found
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_phone_navigation_and_filters_fold_behind_buttons(signed_in):
    page, _ = signed_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/map?area=us")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Calls")).to_be_visible()
    campaign = page.get_by_label("Campaign")
    expect(campaign).to_be_hidden()
    page.get_by_role("button", name="Filters").click()
    expect(campaign).to_be_visible()
    # Rows are cards: every cell names its column.
    cell = page.locator(".places-table tbody td").first
    assert cell.get_attribute("data-label") == "Calls"
    # The head is no table row any more, but its sort links stay usable as buttons.
    sort = page.locator(".places-table thead .sort-link").first
    expect(sort).to_be_visible()
    assert sort.bounding_box()["width"] < 200
    # At desktop width nothing is folded and no toggle shows.
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(menu).to_be_hidden()
    expect(page.get_by_role("link", name="Campaigns")).to_be_visible()


def test_keyboard_focus_is_visible(signed_in):
    page, _ = signed_in
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/settings/api-keys")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2
