"""In headless Chromium: the tracker script on a client's site served from another origin.

The sample site is a separate local HTTP server; Chromium resolves its host names
(plumber.example, evil.example) to this machine, so the site and Ring Tonic are on
different origins exactly as they are in production.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.models.website import VisitorSession
from ringtonic.services.tracking.config import forget_config
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.telephony_helpers import connect_twilio, post_signed, voice_params
from tests.support.website import add_pool, set_tracker

pytest_plugins = ["tests.support.browser"]

FORMATS = ["(512) 555-0100", "512-555-0100", "512.555.0100", "+1 512 555 0100", "1-512-555-0100"]


def _page(script_url: str, title: str) -> str:
    spans = "".join(f'<p class="fmt">Call {text} today</p>' for text in FORMATS)
    return f"""<!doctype html><html><head><title>{title}</title></head><body>
<h1>{title}</h1>{spans}
<a id="tel1" href="tel:+15125550100">Call us</a> <a id="tel2" href="tel:512-555-0100">Call</a>
<p id="other">Fax (512) 555-0199</p>
<form id="quote" method="post" action="/submit"><input name="name" value="Pat">
<button type="submit">Get a quote</button></form>
<div id="late"></div>
<script>setTimeout(function () {{
  document.getElementById("late").innerHTML = '<p id="added">Or text 512 555 0100</p>';
}}, 1500);</script>
<script async src="{script_url}"></script>
</body></html>"""


class SampleSite:
    """A client's website: pages with the real number, and a form handler that keeps posts."""

    def __init__(self, script_url: str) -> None:
        self.script_url = script_url
        self.posts: list[dict[str, list[str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (http.server's name)
                path = self.path.split("?", 1)[0]
                if path == "/down.html":
                    body = _page("http://127.0.0.1:9/t/nothing.js", "Script down")
                else:
                    body = _page(site.script_url, "Page two" if path == "/two.html" else "Home")
                self._send(body)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                site.posts.append(parse_qs(self.rfile.read(length).decode()))
                self._send("<p>Thanks</p>")

            def _send(self, body: str) -> None:
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def site(app, live_server, make_account) -> Iterator[SimpleNamespace]:
    _, _, workspace = make_account(plan="agency")
    pool = add_pool(workspace, 3)
    connect_twilio(workspace)
    sample = SampleSite(f"{live_server}/t/{workspace.uuid}.js")
    sample.thread.start()
    try:
        yield SimpleNamespace(
            workspace=workspace, campaign=pool.campaign, numbers=pool.numbers, sample=sample
        )
    finally:
        sample.server.shutdown()


@pytest.fixture
def chromium(live_server):
    with sync_playwright() as playwright:
        args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP *.example 127.0.0.1"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser, problems: list[str]):
    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def _national(e164: str) -> str:
    return e164[2:]


def _shown_number(page) -> str:
    expect(page.locator("#tel1")).not_to_have_attribute("href", "tel:+15125550100")
    return page.locator("#tel1").get_attribute("href").removeprefix("tel:")


def test_visitors_see_a_tracking_number_in_every_format_on_every_page(site, chromium):
    problems: list[str] = []
    page = _new_page(chromium, problems)
    page.goto(site.sample.url("www.plumber.example", "/?gclid=Cj0Kabc&utm_campaign=drains"))

    number = _shown_number(page)
    assert number in site.numbers
    n = _national(number)
    expected = [
        f"({n[:3]}) {n[3:6]}-{n[6:]}",
        f"{n[:3]}-{n[3:6]}-{n[6:]}",
        f"{n[:3]}.{n[3:6]}.{n[6:]}",
        f"+1 {n[:3]} {n[3:6]} {n[6:]}",
        f"1-{n[:3]}-{n[3:6]}-{n[6:]}",
    ]
    texts = page.locator("p.fmt").all_inner_texts()
    assert texts == [f"Call {text} today" for text in expected]
    assert page.locator("#tel2").get_attribute("href") == f"tel:{number}"
    expect(page.locator("#other")).to_have_text("Fax (512) 555-0199")
    # Content added after the page loaded is swapped too.
    expect(page.locator("#added")).to_have_text(f"Or text {n[:3]} {n[3:6]} {n[6:]}")

    page.goto(site.sample.url("www.plumber.example", "/two.html"))
    assert _shown_number(page) == number
    assert not problems

    stored = db.session.scalar(select(VisitorSession))
    assert (stored.source, stored.medium, stored.gclid) == ("google", "cpc", "Cj0Kabc")


def test_two_visitors_get_different_numbers_and_a_call_finds_its_visit(app, client, site, chromium):
    problems: list[str] = []
    first = _new_page(chromium, problems)
    first.goto(site.sample.url("plumber.example", "/?utm_source=newsletter&utm_medium=email"))
    second = _new_page(chromium, problems)
    second.goto(site.sample.url("plumber.example", "/?gclid=XYZ"))

    one, two = _shown_number(first), _shown_number(second)
    assert one != two

    post_signed(
        client, f"/hooks/twilio/voice/{site.workspace.uuid}", voice_params("CA" + "d" * 32, To=two)
    )
    call = db.session.scalar(select(Call))
    visit = db.session.get(VisitorSession, call.visitor_session_id)
    assert (call.source, call.medium, visit.gclid) == ("google", "cpc", "XYZ")
    assert not problems


def test_a_site_that_is_not_allowed_keeps_the_real_number(site, chromium):
    problems: list[str] = []
    page = _new_page(chromium, problems)
    page.goto(site.sample.url("evil.example", "/?gclid=abc"))
    page.wait_for_timeout(2500)

    assert page.locator("#tel1").get_attribute("href") == "tel:+15125550100"
    assert page.locator("p.fmt").first.inner_text() == "Call (512) 555-0100 today"
    assert db.session.scalar(select(VisitorSession)) is None


def test_a_site_whose_domain_is_written_with_an_eszett_gets_numbers(site, chromium):
    """The domain as the agency types it (ß, not ss) matches the Origin Chromium sends."""
    set_tracker(site.workspace, site.campaign, allowed_domains="Bäckerei-Groß.example")
    db.session.commit()
    forget_config(site.workspace.uuid)
    problems: list[str] = []
    page = _new_page(chromium, problems)
    page.goto(site.sample.url("bäckerei-groß.example", "/?gclid=Gross1"))

    assert _shown_number(page) in site.numbers
    assert db.session.scalar(select(VisitorSession.gclid)) == "Gross1"
    assert not problems


def test_a_page_whose_script_is_down_shows_the_real_number(site, chromium):
    problems: list[str] = []
    page = _new_page(chromium, problems)
    page.goto(site.sample.url("plumber.example", "/down.html"))
    page.wait_for_timeout(2000)

    assert page.locator("#tel1").get_attribute("href") == "tel:+15125550100"
    expect(page.locator("#added")).to_have_text("Or text 512 555 0100")
    assert not problems


def test_forms_carry_the_visits_tags_to_the_sites_own_handler(site, chromium):
    problems: list[str] = []
    page = _new_page(chromium, problems)
    page.goto(site.sample.url("plumber.example", "/?gclid=FORM1&utm_source=google&utm_term=drain"))
    _shown_number(page)
    expect(page.locator('#quote input[name="ringtonic_session_id"]')).to_have_count(1)

    page.get_by_role("button", name="Get a quote").click()
    expect(page.locator("body")).to_contain_text("Thanks")

    posted = site.sample.posts[-1]
    visit = db.session.scalar(select(VisitorSession))
    assert posted["name"] == ["Pat"]
    assert posted["gclid"] == ["FORM1"] and posted["utm_term"] == ["drain"]
    assert posted["ringtonic_session_id"] == [str(visit.uuid)]
    assert not problems


def test_the_script_waits_for_consent_when_the_workspace_asks(site, chromium):
    from ringtonic.models.website import WebsiteSettings

    settings = db.session.get(WebsiteSettings, site.workspace.id)
    settings.require_consent = True
    db.session.commit()
    forget_config(site.workspace.uuid)
    problems: list[str] = []
    page = _new_page(chromium, problems)
    page.goto(site.sample.url("plumber.example", "/"))
    page.wait_for_timeout(1500)
    assert page.locator("#tel1").get_attribute("href") == "tel:+15125550100"

    page.evaluate("window.RingTonic.consent()")

    assert _shown_number(page) in site.numbers
    assert json.dumps(problems) == "[]"
