"""In headless Chromium: the Money Map's visitors mode on demo calls and visits, checked by axe."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.models.website import VisitorSession
from tests.support.money_map_demo import US_PLACES, seed_demo_calls
from tests.support.web_client import PASSWORD

pytest_plugins = ["tests.support.browser"]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# axe-core, vendored so tests run offline (see tests/web/test_layout_browser.py).
AXE = ROOT / "tests" / "assets" / "axe-4.14.1.min.js"
BLOCKING = ("serious", "critical")


def _add_visits(workspace, now) -> None:
    rng = random.Random(5)
    people = [uuid.uuid4() for _ in range(150)]
    weights = [weight for *_, weight in US_PLACES]
    for _ in range(300):
        _zip, city, state, _weight = rng.choices(US_PLACES, weights)[0]
        started = now - timedelta(minutes=rng.randrange(1, 20 * 24 * 60))
        db.session.add(
            VisitorSession(
                workspace_id=workspace.id,
                visitor_id=rng.choice(people),
                started_at=started,
                last_seen_at=started,
                source="google",
                medium="organic",
                city=city,
                state=state,
                country="US",
            )
        )
    db.session.commit()


def _axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [f"{v['impact']} {v['id']}: {v['help']}" for v in found if v["impact"] in BLOCKING]


@pytest.mark.parametrize("width", [1366, 390])
def test_visitors_mode_in_chromium(browser_context, make_account, width):
    _, user, workspace = make_account(plan="agency", email="owner@example.com")
    now = utcnow()
    seed_demo_calls(workspace, now)
    _add_visits(workspace, now)
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Latest call")).to_be_visible()

    page.goto("/map?status=answered")
    page.get_by_role("link", name="Website visitors").click()
    expect(page.get_by_role("img", name="Visits by state")).to_be_visible()
    assert "show=visitors" in page.url and "status=" not in page.url
    expect(page.locator("#status")).to_be_disabled()
    expect(page.get_by_text("Visits have no call status")).to_be_attached()
    assert page.locator('path[data-state="TX"]').get_attribute("data-calls") != "0"
    expect(page.locator(".us-map-legend")).to_contain_text("Visits per state")
    expect(page.get_by_role("table")).to_contain_text("Calls per visit")

    # Sorting keeps the mode; the other mode is one link away.
    page.get_by_role("link", name="Visitors", exact=True).click()
    assert "show=visitors" in page.url and "sort=visitors" in page.url
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Visitors")

    overflow = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"scrolls sideways: {overflow}"
    assert _axe_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"money-map-visitors-{width}.png"), full_page=True)

    page.get_by_role("link", name="Callers", exact=True).click()
    expect(page.get_by_role("img", name="Calls by state")).to_be_visible()
    assert problems == []
