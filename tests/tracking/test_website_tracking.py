"""Website tracking: source rules, visits, number pools and calls attributed to visits."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import event, func, select

from ringtonic import create_app
from ringtonic.config import DATABASE_STORAGE_URI, ConfigError, from_environment
from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.models.rate_limit import RateLimitCounter
from ringtonic.models.types import utcnow
from ringtonic.models.website import NumberLease, VisitorSession, WebsiteSettings
from ringtonic.rate_limits import VISIT, limits_of
from ringtonic.services.errors import ValidationError
from ringtonic.services.tracking.config import tracker_config
from ringtonic.services.tracking.settings import normalize_domain
from ringtonic.services.tracking.sources import classify
from ringtonic.services.tracking.visits import QUIET, VisitStart
from tests.support.telephony_helpers import connect_twilio, post_signed, voice_params
from tests.support.web_client import post_form, sign_in
from tests.support.website import SITE, add_pool, heartbeat, site_config, start_visit


@pytest.mark.parametrize(
    ("landing", "referrer", "expected"),
    [
        ("/?gclid=abc", "https://www.google.com/", ("google", "cpc")),
        ("/?gbraid=abc", "", ("google", "cpc")),
        ("/?wbraid=abc", "", ("google", "cpc")),
        ("/?msclkid=abc", "https://www.bing.com/", ("bing", "cpc")),
        ("/?fbclid=abc", "https://l.facebook.com/", ("facebook", "cpc")),
        ("/?ttclid=abc", "", ("tiktok", "cpc")),
        ("/?li_fat_id=abc", "", ("linkedin", "cpc")),
        ("/?gclid=abc&utm_source=newsletter&utm_medium=email", "", ("google", "cpc")),
        ("/?utm_source=gbp&utm_medium=organic", "https://www.google.com/", ("google", "gbp")),
        ("/?utm_source=GMB", "", ("google", "gbp")),
        ("/?utm_source=Newsletter&utm_medium=Email", "", ("newsletter", "email")),
        ("/?utm_source=yelp", "https://www.yelp.com/", ("yelp", "(none)")),
        ("/?UTM_SOURCE=flyer", "", ("flyer", "(none)")),
        ("/", "https://www.google.com/", ("google", "organic")),
        ("/", "https://www.google.co.uk/search?q=plumber", ("google", "organic")),
        ("/", "android-app://com.google.android.googlequicksearchbox/", ("google", "organic")),
        ("/", "https://www.bing.com/search?q=x", ("bing", "organic")),
        ("/", "https://duckduckgo.com/", ("duckduckgo", "organic")),
        ("/", "https://search.yahoo.com/search?p=x", ("yahoo", "organic")),
        ("/", "https://search.brave.com/search?q=x", ("brave", "organic")),
        ("/", "https://yandex.ru/", ("yandex", "organic")),
        ("/", "https://m.facebook.com/", ("facebook", "social")),
        ("/", "https://l.instagram.com/", ("instagram", "social")),
        ("/", "https://t.co/abc", ("twitter", "social")),
        ("/", "https://www.linkedin.com/feed/", ("linkedin", "social")),
        ("/", "https://nextdoor.com/news_feed/", ("nextdoor", "social")),
        ("/", "https://www.yelp.com/biz/plumber", ("yelp.com", "referral")),
        ("/", "https://blog.example.org/post", ("blog.example.org", "referral")),
        ("/", "https://www.plumber.example/services", ("(direct)", "(none)")),
        ("/", "https://shop.plumber.example/", ("(direct)", "(none)")),
        ("/", "", ("(direct)", "(none)")),
        ("/", "not a url", ("(direct)", "(none)")),
        ("/", "https://[www.google.com/", ("(direct)", "(none)")),
    ],
)
def test_sources_are_classified_by_the_rules_table(landing, referrer, expected):
    attribution = classify(SITE + landing, referrer)
    assert (attribution.source, attribution.medium) == expected


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("example.com", "example.com"),
        ("https://www.Example.com/contact", "www.example.com"),
        ("*.example.com", "example.com"),
        ("example.com:8443", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        # As browsers write them in Origin (WHATWG URL: UTS #46, nontransitional), not as
        # IDNA 2003 did (strasse.de, a different site).
        ("straße.de", "xn--strae-oqa.de"),
        ("https://Bäckerei-Groß.de/kontakt", "xn--bckerei-gro-56a8c.de"),
        ("ὀδυσσεύς.gr", "xn--pxac3bcak3d8526a.gr"),
        ("xn--strae-oqa.de", "xn--strae-oqa.de"),
        ("☕.example", "xn--53h.example"),
    ],
)
def test_domains_are_normalised(raw, domain):
    assert normalize_domain(raw) == domain


@pytest.mark.parametrize(
    "raw", ["localhost", "exa mple.com", "-bad.com", "http://", "a" * 300, "https://[example.com"]
)
def test_bad_domains_are_refused_naming_the_field(raw):
    with pytest.raises(ValidationError) as error:
        normalize_domain(raw)
    assert error.value.field == "allowed_domains"


@pytest.fixture
def site(app, make_account):
    _, _, workspace = make_account(plan="agency")
    pool = add_pool(workspace, 3)
    return SimpleNamespace(workspace=workspace, **vars(pool))


def visit(client, site, page="/", referrer="", origin=SITE, **fields):
    body = {"page": SITE + page, "referrer": referrer, **fields}
    return client.post(
        f"/t/{site.workspace.uuid}/visits",
        data=json.dumps(body),
        headers={"Origin": origin, "Content-Type": "text/plain;charset=UTF-8"},
    )


def test_a_visit_from_an_allowed_site_gets_a_pool_number(client, site):
    response = visit(client, site, "/?gclid=Cj0K&utm_campaign=spring", "https://www.google.com/")

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Credentials" not in response.headers
    data = response.get_json()
    assert data["number"] in site.numbers
    assert (data["source"], data["medium"]) == ("google", "cpc")
    stored = db.session.scalar(select(VisitorSession))
    assert (stored.gclid, stored.utm_campaign) == ("Cj0K", "spring")
    assert stored.landing_page == SITE + "/?gclid=Cj0K&utm_campaign=spring"


def test_the_tracker_neither_reads_nor_sets_the_apps_sign_in_cookie(client, site):
    # The owner browses a client's site in the browser they use for Ring Tonic.
    sign_in(client, "owner1@example.com")

    started = visit(client, site)
    beat = client.post(
        f"/t/{site.workspace.uuid}/visits/{started.get_json()['session_id']}/heartbeat",
        headers={"Origin": SITE},
    )
    script = client.get(f"/t/{site.workspace.uuid}.js")

    for response in (started, beat, script):
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    assert client.get("/settings/website").status_code == 200  # still signed in


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "https://plumber.example.evil.com", "", "https://[plumber.example"],
)
def test_a_visit_from_another_origin_gets_no_number(client, site, origin):
    response = visit(client, site, origin=origin)

    assert response.status_code == 403
    assert response.get_json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert db.session.scalar(select(func.count(VisitorSession.id))) == 0


def test_a_page_claiming_another_site_is_refused(client, site):
    response = client.post(
        f"/t/{site.workspace.uuid}/visits",
        data=json.dumps({"page": "https://evil.example/"}),
        headers={"Origin": SITE},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"page": 5}',
        b'{"page": "javascript:alert(1)"}',
        b"{}",
        # A host urlsplit cannot split (an unclosed IPv6 bracket).
        b'{"page": "https://[::1/"}',
    ],
)
def test_bad_visit_bodies_get_a_problem_not_a_500(client, site, body):
    response = client.post(f"/t/{site.workspace.uuid}/visits", data=body, headers={"Origin": SITE})
    assert response.status_code == 400
    assert response.get_json()["code"] == "validation_error"


def test_the_next_page_of_a_visit_keeps_its_number_and_two_visits_differ(client, site):
    first = visit(client, site).get_json()
    again = visit(client, site, "/contact", session_id=first["session_id"]).get_json()
    other = visit(client, site).get_json()

    assert again["session_id"] == first["session_id"]
    assert again["number"] == first["number"]
    assert other["number"] != first["number"]


def test_a_visitor_keeps_their_first_touch(client, site):
    first = visit(client, site, "/?utm_source=flyer&utm_medium=print").get_json()
    later = visit(client, site, "/", "https://www.google.com/", visitor_id=first["visitor_id"])

    assert later.get_json()["source"] == "google"
    newest = db.session.scalars(select(VisitorSession).order_by(VisitorSession.id.desc())).first()
    assert (newest.first_touch_source, newest.first_touch_medium) == ("flyer", "print")


def test_an_exhausted_pool_takes_over_the_longest_idle_lease(app, site):
    now = utcnow()
    shown = [
        start_visit(site_config(site), VisitStart(page=SITE + "/"), now + timedelta(minutes=i), {})
        for i in range(4)
    ]
    db.session.commit()

    numbers = [s.number for s in shown]
    assert len(set(numbers[:3])) == 3
    assert numbers[3] == numbers[0]  # the first visit's lease was idle the longest
    visits = db.session.scalars(select(VisitorSession).order_by(VisitorSession.id)).all()
    assert visits[3].took_over and not visits[0].took_over
    assert visits[0].number_until == visits[3].number_leased_at


def test_a_lease_returns_to_the_pool_after_its_time_and_the_cooldown(app, site):
    start = utcnow()
    held = [
        start_visit(site_config(site), VisitStart(page=SITE + "/"), start, {}).number
        for _ in range(3)
    ]
    db.session.commit()
    later = start + timedelta(minutes=30 + 10, seconds=1)

    fresh = start_visit(site_config(site), VisitStart(page=SITE + "/"), later, {})
    db.session.commit()

    assert fresh.number in held
    newest = db.session.scalars(select(VisitorSession).order_by(VisitorSession.id.desc())).first()
    assert not newest.took_over


def test_heartbeats_keep_the_lease_and_a_taken_over_visit_gets_another_number(app, site):
    t0 = utcnow()
    first = start_visit(site_config(site), VisitStart(page=SITE + "/"), t0, {})
    for i in (1, 2):
        start_visit(site_config(site), VisitStart(page=SITE + "/"), t0 + timedelta(minutes=i), {})
    db.session.commit()
    # The first visit's heartbeat makes another visit's lease the longest idle.
    kept = heartbeat(site_config(site), str(first.session_uuid), t0 + timedelta(minutes=5))
    thief = start_visit(
        site_config(site), VisitStart(page=SITE + "/"), t0 + timedelta(minutes=6), {}
    )
    db.session.commit()

    assert kept.number == first.number
    assert thief.number != first.number
    victim = db.session.scalars(
        select(VisitorSession)
        .where(VisitorSession.took_over.is_(False))
        .order_by(VisitorSession.id)
    ).all()[1]
    regained = heartbeat(site_config(site), str(victim.uuid), t0 + timedelta(minutes=7))
    db.session.commit()
    assert regained.number is not None and regained.number != thief.number


def test_a_heartbeat_after_a_quiet_spell_commits_the_visits_new_lease(client, site, monkeypatch):
    data = visit(client, site).get_json()
    # Past QUIET the heartbeat writes (on a connection of its own) and must commit it.
    later = utcnow() + QUIET + timedelta(seconds=1)
    monkeypatch.setattr("ringtonic.website.views.utcnow", lambda: later)
    beat = client.post(
        f"/t/{site.workspace.uuid}/visits/{data['session_id']}/heartbeat", headers={"Origin": SITE}
    )
    assert beat.status_code == 200 and beat.get_json()["number"] == data["number"]
    db.session.rollback()  # read what another connection sees now
    stored = db.session.scalar(
        select(VisitorSession).where(VisitorSession.uuid == uuid.UUID(data["session_id"]))
    )
    assert stored.last_seen_at == later
    assert stored.number_until == later + timedelta(minutes=30)


def test_a_heartbeat_for_an_ended_visit_is_404(client, site):
    data = visit(client, site).get_json()
    # Another id: the last digit changed (a fixed "0" was the same id one time in 16).
    other = "1" if data["session_id"].endswith("0") else "0"
    bogus = client.post(
        f"/t/{site.workspace.uuid}/visits/{data['session_id'][:-1]}{other}/heartbeat",
        headers={"Origin": SITE},
    )
    live = client.post(
        f"/t/{site.workspace.uuid}/visits/{data['session_id']}/heartbeat", headers={"Origin": SITE}
    )
    malformed = client.post(
        f"/t/{site.workspace.uuid}/visits/not-a-visit/heartbeat", headers={"Origin": SITE}
    )
    assert bogus.status_code == 404 and bogus.get_json()["code"] == "visit_ended"
    assert malformed.status_code == 404 and malformed.get_json()["code"] == "visit_ended"
    assert live.status_code == 200 and live.get_json()["number"] == data["number"]


def test_preflights_answer_only_allowed_origins(client, site):
    path = f"/t/{site.workspace.uuid}/visits"
    allowed = client.options(
        path, headers={"Origin": SITE, "Access-Control-Request-Method": "POST"}
    )
    other = client.options(
        path, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert allowed.status_code == 204 and allowed.headers["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Origin" not in other.headers


def test_concurrent_visits_never_share_a_number(app, make_account):
    _, _, workspace = make_account(plan="agency")
    pool = add_pool(workspace, 24)
    workspace_id = workspace.id
    db.session.remove()
    results, errors = [], []
    barrier = threading.Barrier(8)

    def start_three() -> None:
        with app.app_context():
            from ringtonic.models import Workspace

            ws = db.session.get(Workspace, workspace_id)
            barrier.wait()
            for _ in range(3):
                try:
                    config = tracker_config(db.engine, str(ws.uuid))
                    shown = start_visit(config, VisitStart(page=SITE + "/"), utcnow(), {})
                    db.session.commit()
                    results.append(shown.number)
                except Exception as error:  # noqa: BLE001  (reported below)
                    db.session.rollback()
                    errors.append(repr(error))
            db.session.remove()

    threads = [threading.Thread(target=start_three) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert sorted(results) == sorted(pool.numbers)
    holders = db.session.scalars(select(NumberLease.session_id)).all()
    assert len(set(holders)) == 24


def test_a_call_to_a_leased_number_carries_its_visit(client, site):
    connect_twilio(site.workspace)
    data = visit(
        client,
        site,
        "/?gclid=Cj0K&utm_source=google&utm_campaign=drains",
        "https://www.google.com/",
    ).get_json()

    response = post_signed(
        client,
        f"/hooks/twilio/voice/{site.workspace.uuid}",
        voice_params("CA" + "b" * 32, To=data["number"]),
    )

    assert response.status_code == 200
    call = db.session.scalar(select(Call))
    visitor = db.session.get(VisitorSession, call.visitor_session_id)
    assert str(visitor.uuid) == data["session_id"]
    assert (call.source, call.medium) == ("google", "cpc")
    assert visitor.gclid == "Cj0K" and visitor.utm_campaign == "drains"


def test_a_call_after_the_lease_and_cooldown_belongs_to_no_visit(app, client, site):
    connect_twilio(site.workspace)
    long_ago = utcnow() - timedelta(minutes=30 + 10 + 1)
    shown = start_visit(site_config(site), VisitStart(page=SITE + "/?gclid=x"), long_ago, {})
    db.session.commit()

    post_signed(
        client,
        f"/hooks/twilio/voice/{site.workspace.uuid}",
        voice_params("CA" + "c" * 32, To=shown.number),
    )

    call = db.session.scalar(select(Call))
    assert call.visitor_session_id is None
    assert call.source == ""


def test_the_script_is_small_cached_and_carries_the_workspace_config(client, site):
    response = client.get(f"/t/{site.workspace.uuid}.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "max-age=" in response.headers["Cache-Control"]
    body = response.get_data()
    assert len(gzip.compress(body)) <= 5 * 1024
    assert b'"numbers":["+15125550100"]' in body
    assert f"/t/{site.workspace.uuid}".encode() in body
    again = client.get(
        f"/t/{site.workspace.uuid}.js", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_the_script_is_sent_gzipped_to_browsers_with_its_own_validator(client, site):
    url = f"/t/{site.workspace.uuid}.js"
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert "Content-Encoding" not in plain.headers
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.headers["ETag"] == zipped.headers["ETag"]
    assert again.get_data() == b""
    other = client.get(url, headers={"If-None-Match": zipped.headers["ETag"]})
    assert other.status_code == 200


def test_the_script_of_an_unknown_workspace_is_404(client, app):
    assert client.get("/t/00000000-0000-4000-8000-000000000000.js").status_code == 404
    assert client.get("/t/not-a-uuid.js").status_code == 404


def test_the_settings_page_shows_the_snippet_and_saves_settings(client, site, make_account):
    sign_in(client, "owner1@example.com")
    page = client.get("/settings/website")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/t/{site.workspace.uuid}.js" in html
    assert "Pool size" in html and "(512) 555-0100" in html

    saved = post_form(
        client,
        "/settings/website",
        {
            "campaign": str(site.campaign.uuid),
            "allowed_domains": "https://www.newsite.example/\nplumber.example",
            "replace_numbers": "512.555.0100\n+1 512 555 0101",
            "lease_minutes": "20",
            "cooldown_minutes": "5",
            "honor_gpc": "y",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    stored = db.session.get(WebsiteSettings, site.workspace.id)
    assert stored.allowed_domains == ["www.newsite.example", "plumber.example"]
    assert stored.replace_numbers == ["+15125550100", "+15125550101"]
    assert (stored.lease_minutes, stored.cooldown_minutes, stored.form_fields) == (20, 5, False)


def test_an_international_domain_is_stored_as_browsers_send_it_and_shown_as_typed(client, site):
    sign_in(client, "owner1@example.com")
    fields = {
        "campaign": str(site.campaign.uuid),
        "allowed_domains": "Bäckerei-Groß.de\n☕.example",
        "replace_numbers": "(512) 555-0100",
        "lease_minutes": "30",
        "cooldown_minutes": "10",
    }
    assert post_form(client, "/settings/website", fields).status_code == 302
    db.session.expire_all()
    stored = db.session.get(WebsiteSettings, site.workspace.id)
    assert stored.allowed_domains == ["xn--bckerei-gro-56a8c.de", "xn--53h.example"]
    html = client.get("/settings/website").get_data(as_text=True)
    assert "bäckerei-groß.de\n☕.example</textarea>" in html
    # Saved again as shown, the settings do not change.
    assert (
        post_form(
            client,
            "/settings/website",
            {**fields, "allowed_domains": "bäckerei-groß.de\n☕.example"},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(WebsiteSettings, site.workspace.id).allowed_domains == [
        "xn--bckerei-gro-56a8c.de",
        "xn--53h.example",
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("allowed_domains", "not a domain", "is not a domain name"),
        ("replace_numbers", "555-01", "555-01"),
        ("lease_minutes", "1", "between 5 and 1440"),
    ],
)
def test_bad_settings_get_the_fields_message(client, site, field, value, message):
    sign_in(client, "owner1@example.com")
    data = {
        "campaign": str(site.campaign.uuid),
        "allowed_domains": "plumber.example",
        "replace_numbers": "(512) 555-0100",
        "lease_minutes": "30",
        "cooldown_minutes": "10",
        field: value,
    }
    response = post_form(client, "/settings/website", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_calls_visit_shows_in_the_api_and_on_the_call_page(client, site):
    from tests.support.keys import api_get, issue_key

    connect_twilio(site.workspace)
    landing = "/?gclid=Cj0K&utm_source=google&utm_medium=cpc&utm_term=burst+pipe"
    data = visit(client, site, landing, "https://www.google.com/").get_json()
    post_signed(
        client,
        f"/hooks/twilio/voice/{site.workspace.uuid}",
        voice_params("CA" + "e" * 32, To=data["number"]),
    )
    call = db.session.scalar(select(Call))
    user = site.workspace.account.users[0]
    key = issue_key(site.workspace, user)

    document = api_get(client, f"/api/v1/calls/{call.uuid}", key).get_json()
    listed = api_get(client, "/api/v1/calls", key).get_json()["data"][0]

    assert document["visitor_session"]["uuid"] == data["session_id"]
    assert document["visitor_session"]["gclid"] == "Cj0K"
    assert document["visitor_session"]["keyword"] == "burst pipe"
    assert document["visitor_session"]["landing_page"] == SITE + landing
    assert listed["visitor_session"] == document["visitor_session"]
    openapi = client.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/Call", "components": openapi["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert not errors, errors
    sign_in(client, user.email)
    page = client.get(f"/calls/{call.uuid}").get_data(as_text=True)
    assert "Website visit" in page and "burst pipe" in page and "Cj0K" in page


def test_visits_past_the_per_address_limit_get_429_the_site_can_read(app_config, site):
    app_config["RINGTONIC_VISIT_LIMIT_PER_IP"] = "2 per minute"
    client = create_app(app_config).test_client()
    assert [visit(client, site).status_code for _ in range(2)] == [200, 200]
    refused = visit(client, site)
    assert refused.status_code == 429
    assert refused.json["code"] == "rate_limited"
    assert refused.headers["Access-Control-Allow-Origin"] == SITE
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Policy"] == "2;w=60"


def test_a_bot_rotating_ipv6_addresses_in_its_network_cannot_drain_the_pool(app_config, site):
    """Every address of one /64 shares the visit limit; the next /64 is another visitor."""
    app_config["RINGTONIC_VISIT_LIMIT_PER_IP"] = "2 per minute"
    client = create_app(app_config).test_client()

    def start_from(address: str) -> int:
        client.environ_base["REMOTE_ADDR"] = address
        return visit(client, site).status_code

    bot = ["2001:db8:99:5::1", "2001:db8:99:5::2", "2001:db8:99:5:dead:beef:0:3"]
    assert [start_from(address) for address in bot] == [200, 200, 429]
    assert start_from("2001:db8:99:6::1") == 200


@pytest.mark.parametrize(
    ("choice", "shared"), [("auto", True), ("process", False), ("shared", True)]
)
def test_without_redis_the_tracker_limits_count_where_the_operator_chose(
    app_config, site, choice, shared
):
    """auto/shared: visits count in the database, across workers; process: in memory."""
    app_config.update(
        RATELIMIT_STORAGE_URI=DATABASE_STORAGE_URI,
        RINGTONIC_TRACKER_LIMIT_STORAGE=choice,
        RINGTONIC_VISIT_LIMIT_PER_IP="2 per minute",
    )
    # Two apps are two workers with their own memory and the same database.
    workers = [create_app(app_config).test_client() for _ in range(2)]
    answers = [visit(workers[n % 2], site).status_code for n in range(4)]
    rows = db.session.scalar(select(func.count()).select_from(RateLimitCounter))
    if shared:
        assert answers == [200, 200, 429, 429] and rows == 1
    else:
        assert answers == [200] * 4 and rows == 0
        # Each worker still holds every client to the limit.
        assert visit(workers[0], site).status_code == 429


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"page": "javascript:alert(1)"}, 400),
        ({"page": "https://elsewhere.example/"}, 403),
        ("not json", 400),
    ],
)
def test_refused_visit_starts_still_count_against_the_address(app_config, site, body, status):
    """A bot sending bad starts spends its own limit: the count is committed, not rolled back."""
    app_config.update(
        RATELIMIT_STORAGE_URI=DATABASE_STORAGE_URI, RINGTONIC_VISIT_LIMIT_PER_IP="2 per minute"
    )
    client = create_app(app_config).test_client()
    path = f"/t/{site.workspace.uuid}/visits"
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8"}
    assert [client.post(path, data=data, headers=headers).status_code for _ in range(2)] == [
        status,
        status,
    ]
    assert visit(client, site).status_code == 429
    assert db.session.scalar(select(func.count()).select_from(VisitorSession)) == 0


def test_a_visit_start_is_one_write_transaction(app_config, site):
    """Counted in the database, a start commits its count with its visit (SQLite: one
    turn of the write lock), or counts on its own round trip (PostgreSQL's autocommit)."""
    app_config.update(RATELIMIT_STORAGE_URI=DATABASE_STORAGE_URI)
    worker = create_app(app_config)
    client = worker.test_client()
    with worker.app_context():
        engine, windows = db.engine, len(limits_of(worker).limits[VISIT])
    visit(client, site)  # the first start of a process also writes the pool's lease rows
    commits: list[object] = []

    def count(conn):
        commits.append(conn)

    event.listen(engine, "commit", count)
    try:
        assert visit(client, site).status_code == 200
    finally:
        event.remove(engine, "commit", count)
    assert len(commits) == 1
    assert db.session.scalar(select(func.count()).select_from(VisitorSession)) == 2
    # Both starts were counted in every window of the limit.
    assert db.session.scalar(select(func.sum(RateLimitCounter.count))) == 2 * windows


def test_a_visit_start_reads_before_it_writes(app_config, site):
    """Whatever a start reads (a returning visitor's first touch) comes before its first
    write: on SQLite the write lock is then held for the count and the visit's writes only."""
    app_config.update(RATELIMIT_STORAGE_URI=DATABASE_STORAGE_URI)
    worker = create_app(app_config)
    client = worker.test_client()
    with worker.app_context():
        engine = db.engine
    first = visit(client, site, "/?utm_source=newsletter").get_json()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        again = visit(client, site, "/?gclid=abc", visitor_id=first["visitor_id"])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert again.status_code == 200
    first_write = next(
        i for i, sql in enumerate(statements) if sql.startswith(("INSERT", "UPDATE"))
    )
    reads = [i for i, sql in enumerate(statements) if sql.startswith("SELECT VISITOR_SESSIONS")]
    assert reads and max(reads) < first_write, statements
    assert not [s for s in statements[first_write:] if s.startswith("SELECT VISITOR_SESSIONS")]
    # The first touch was read all the same: the visitor's first visit's source.
    row = db.session.execute(
        select(VisitorSession.source, VisitorSession.first_touch_source).where(
            VisitorSession.uuid == uuid.UUID(again.get_json()["session_id"])
        )
    ).one()
    assert tuple(row) == ("google", "newsletter")


def test_without_redis_heartbeats_count_in_each_worker_by_default(app_config, site):
    """auto: a heartbeat keeps only its visit's number, so its limit stays in memory."""
    app_config.update(
        RATELIMIT_STORAGE_URI=DATABASE_STORAGE_URI, RINGTONIC_HEARTBEAT_LIMIT_PER_IP="2 per minute"
    )
    workers = [create_app(app_config).test_client() for _ in range(2)]
    session_id = visit(workers[0], site).get_json()["session_id"]
    path = f"/t/{site.workspace.uuid}/visits/{session_id}/heartbeat"
    answers = [workers[n % 2].post(path, headers={"Origin": SITE}).status_code for n in range(4)]
    assert answers == [200] * 4
    assert workers[0].post(path, headers={"Origin": SITE}).status_code == 429
    # The shared rows are the visit's counters; heartbeats wrote none.
    keys = db.session.scalars(select(RateLimitCounter.key)).all()
    assert keys and all("website-visit" in key for key in keys)


def test_a_bad_tracker_limit_storage_stops_start_up(tmp_path):
    with pytest.raises(ConfigError, match="RINGTONIC_TRACKER_LIMIT_STORAGE"):
        from_environment(
            {"RINGTONIC_TRACKER_LIMIT_STORAGE": "cluster", "SECRET_KEY": "k" * 40}, tmp_path
        )


def test_the_calls_api_filters_by_source_and_medium(client, site):
    from tests.support.keys import api_get, issue_key

    connect_twilio(site.workspace)
    for n, landing in enumerate(("/?gclid=A", "/?utm_source=newsletter&utm_medium=email", "/")):
        data = visit(client, site, landing).get_json()
        post_signed(
            client,
            f"/hooks/twilio/voice/{site.workspace.uuid}",
            voice_params(f"CA{n:032d}", To=data["number"]),
        )
    key = issue_key(site.workspace, site.workspace.account.users[0])

    def sources(query: str) -> list[tuple[str, str]]:
        body = api_get(client, f"/api/v1/calls?{query}", key).get_json()
        return sorted((c["source"], c["medium"]) for c in body["data"])

    assert sources("source=google") == [("google", "cpc")]
    assert sources("source=NEWSLETTER&medium=email") == [("newsletter", "email")]
    assert sources("medium=(none)") == [("(direct)", "(none)")]
    assert sources("source=google&medium=organic") == []
    too_long = api_get(client, "/api/v1/calls?source=" + "x" * 101, key)
    assert too_long.status_code == 400 and too_long.get_json()["code"] == "validation_error"
