"""In headless Chromium: long values and wide tables stay inside their cards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from tests.support.call_fixtures import add_call, add_campaign, add_number
from tests.support.money_map_demo import seed_demo_calls
from tests.support.web_client import PASSWORD

pytest_plugins = ["tests.support.browser"]

# Every element inside a card whose right edge passes the card's (1 px of rounding allowed),
# and every card whose content is wider than the card itself without a scroll container.
SPILLS = """
(selector) => {
  const out = [];
  for (const card of document.querySelectorAll(selector)) {
    const edge = card.getBoundingClientRect().right + 1;
    for (const el of card.querySelectorAll('*')) {
      if (el.closest('.table-wrap') && el.closest('.table-wrap') !== el) continue;
      const box = el.getBoundingClientRect();
      if (box.width && box.right > edge) out.push(el.tagName + ': ' + el.textContent.slice(0, 40));
    }
  }
  return out;
}
"""
# Tables whose scroll box hides columns: the person would have to find a scrollbar.
CLIPPED_TABLES = """
() => [...document.querySelectorAll('.table-wrap')]
  .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
  .map((wrap) => wrap.closest('section').querySelector('h2').textContent)
"""


def _sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("width", [1024, 1366, 1920, 390])
def test_long_call_values_stay_inside_the_call_card(browser_context, make_account, width):
    _, user, workspace = make_account(plan="agency", email="owner@example.com")
    campaign = add_campaign(workspace, "Google Business Profile – Downtown Austin location")
    number = add_number(
        workspace,
        "+15125550100",
        campaign=campaign,
        friendly_name="Google Business Profile main listing (Downtown Austin)",
    )
    call = add_call(
        workspace,
        datetime(2024, 3, 10, 13, 15, 42, tzinfo=UTC),
        number=number,
        provider_call_id="CA" + "0123456789abcdef" * 2,
        external_id="crm-" + "x" * 90,
        source="google-business-profile-downtown",
        medium="organic-local-listing",
    )
    db.session.commit()
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, user.email)
    page.goto(f"/calls/{call.uuid}")
    expect(page.get_by_role("heading", name="Call", exact=True)).to_be_visible()
    assert page.evaluate(SPILLS, ".call-detail .card") == []


def test_money_map_top_places_table_shows_every_column_at_1366(browser_context, make_account):
    _, user, workspace = make_account(plan="agency", email="owner@example.com")
    seed_demo_calls(workspace, utcnow())
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    _sign_in(page, user.email)
    page.goto("/map")
    expect(page.get_by_role("heading", name="Top places")).to_be_visible()
    assert page.evaluate(CLIPPED_TABLES) == []
    assert page.evaluate(SPILLS, ".money-map .card") == []
