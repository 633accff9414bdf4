"""Every response with account data says Cache-Control: no-store (crawled route by route).

An API answer with an ETag may say `private, no-cache` instead: a poller keeps it and
revalidates, and no shared cache may keep it. Pages stay no-store.

tests/support/secret_watch.py checks this on every response of the suite; this crawl makes sure
every GET route is among them, signed in with real objects, plus the webhooks' TwiML.
"""

from __future__ import annotations

from tests.support.api_routes import api_routes, call, ids_of, url_for
from tests.support.html_routes import PUBLIC_ENDPOINTS, fill, html_rules, tenant_ids
from tests.support.telephony_helpers import (
    add_tracking_number,
    connect_twilio,
    post_signed,
    voice_params,
)
from tests.support.tenants import make_tenants
from tests.support.web_client import sign_in


def test_every_signed_in_page_and_api_answer_is_no_store(app, client):
    tenants = make_tenants()
    owner = tenants.owner
    sign_in(client, owner.admin.email)
    answers = {}
    for rule in html_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or "GET" not in rule.methods:
            continue
        url = fill(rule, tenant_ids(rule, owner, owner.home))
        answers[url] = client.get(url, buffered=True)
    for route in api_routes(app):
        if route.method == "GET" and not route.public:
            url = url_for(route, ids_of(owner.home, route))
            answers[url] = call(client, route, url, owner.home.keys["read"])
    assert len(answers) > 15
    missing = {
        url: (response.status_code, response.headers.get("Cache-Control"))
        for url, response in answers.items()
        if not _kept_from_shared_caches(url, response)
    }
    assert not missing


def _kept_from_shared_caches(url: str, response) -> bool:
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    if "no-store" in directives:
        return True
    revalidated = {"private", "no-cache"} <= directives and "ETag" in response.headers
    return url.startswith("/api/") and revalidated


def test_webhook_answers_are_no_store(client, make_account):
    _, _, workspace = make_account()
    connect_twilio(workspace)
    add_tracking_number(workspace)
    for kind in ("voice", "status"):
        response = post_signed(client, f"/hooks/twilio/{kind}/{workspace.uuid}", voice_params())
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
