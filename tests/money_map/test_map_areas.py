"""The Money Map fits the area the calls come from: one state and its counties, or the whole US."""

from __future__ import annotations

import re

import pytest

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.money_map.areas import COUNTIES_DIR, choose_area, state_view, whole_us
from ringtonic.services.money_map.us_map import us_map
from tests.support.call_builders import add_call
from tests.support.web_client import sign_in

VIEW_BOX = re.compile(r'<svg class="us-map[^"]*" viewBox="([^"]+)" data-area="(\w+)"')
CIRCLE = re.compile(r'<circle class="us-map__circle" cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"')


def _calls(workspace, places: list[tuple[str, str, str, int]]) -> None:
    for city, state, zip_code, count in places:
        for _ in range(count):
            add_call(
                workspace, utcnow(), caller_city=city, caller_state=state,
                caller_zip=zip_code, caller_country="US",
            )  # fmt: skip
    db.session.commit()


@pytest.fixture
def plumber(client, make_account):
    """A signed-in admin of an Austin plumber: 9 calls from Texas, 1 from Colorado."""
    _, user, workspace = make_account()
    _calls(
        workspace,
        [("Austin", "TX", "78701", 6), ("Round Rock", "TX", "78664", 3),
         ("Denver", "CO", "80202", 1)],
    )  # fmt: skip
    sign_in(client, user.email)
    return workspace


def _get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:1500]
    return response.get_data(as_text=True)


def test_a_local_business_sees_its_state_and_counties(client, plumber):
    page = _get(client, "/map")
    box, area = VIEW_BOX.search(page).groups()
    assert area == "TX"
    x, y, width, height = (float(n) for n in box.split())
    assert width < 0.4 * us_map().width  # zoomed in, not the whole country
    assert page.count('class="us-map__county"') == 254  # every Texas county, no other state's
    assert "Calls in Texas, by city" in page
    assert "from other states are outside this view" in page and "show the whole US" in page
    circles = [(float(cx), float(cy)) for cx, cy, _ in CIRCLE.findall(page)]
    assert len(circles) == 3
    inside = [x <= cx <= x + width and y <= cy <= y + height for cx, cy in circles]
    assert inside.count(True) == 2  # Austin and Round Rock; Denver is outside the frame
    assert 'aria-current="true">Texas</a>' in page


def test_the_area_switch_shows_the_whole_us_or_another_state(client, plumber):
    page = _get(client, "/map?area=us")
    assert VIEW_BOX.search(page).groups() == (f"0 0 {us_map().width} {us_map().height}", "us")
    assert "us-map__county" not in page and "Calls by state" in page
    assert 'aria-current="true">Whole US</a>' in page
    colorado = _get(client, "/map?area=CO&circles=zip")
    assert VIEW_BOX.search(colorado).group(2) == "CO"
    assert "Calls in Colorado, by zip code" in colorado
    # The area survives the circles and table links.
    assert "area=CO" in re.search(r'href="([^"]*circles=city[^"]*)"', colorado).group(1)


def test_circles_keep_their_screen_size_when_zoomed(client, plumber):
    whole = sorted(float(r) for _, _, r in CIRCLE.findall(_get(client, "/map?area=us")))
    zoomed = sorted(float(r) for _, _, r in CIRCLE.findall(_get(client, "/map?area=TX")))
    ratio = state_view("TX").scale
    assert len(whole) == len(zoomed) == 3
    assert all(abs(w * ratio - z) < 0.1 for w, z in zip(whole, zoomed, strict=True))


def test_spread_out_calls_show_the_whole_us(client, make_account):
    _, user, workspace = make_account()
    _calls(workspace, [("Austin", "TX", "78701", 3), ("Denver", "CO", "80202", 2)])
    sign_in(client, user.email)
    assert VIEW_BOX.search(_get(client, "/map")).group(2) == "us"


@pytest.mark.parametrize("area", ["XX", "tx", "PR", "'><script>"])
def test_an_unknown_area_is_explained(client, plumber, area):
    page = _get(client, f"/map?area={area}", status=400)
    assert "Choose an area" in page and "<svg" not in page


def test_choose_area_zooms_only_to_a_dominant_state():
    assert choose_area("", {}) == "us"
    assert choose_area("", {"TX": 8, "CO": 2}) == "TX"
    assert choose_area("", {"TX": 7, "CO": 3}) == "us"
    assert choose_area("CO", {"TX": 8}) == "CO"


def test_every_state_has_a_small_counties_asset_inside_its_view():
    for state in us_map().states:
        asset = COUNTIES_DIR / f"{state.postal}.json"
        assert asset.stat().st_size < 80_000, state.postal
        view = state_view(state.postal)
        whole = whole_us()
        assert view.width <= whole.width + 1 and view.height > 0
