"""Forms and exports act on the workspace they were shown for, or on nothing.

Two tabs: a form rendered for one workspace, sent after switching to another in the
other tab, must not act on the workspace switched to. Every signed-in POST form carries
the workspace it was rendered for (hidden `form_workspace`); export links carry it as
`?workspace=`. A mismatch answers with a redirect and a message naming both workspaces.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import TelephonyCredentials
from ringtonic.services.names import file_slug
from ringtonic.view_helpers.workspace_guard import EXEMPT_ENDPOINTS, MISSING
from tests.support.db_snapshot import changed_tables, snapshot
from tests.support.html_routes import PLAUSIBLE_FORM, PUBLIC_ENDPOINTS, fill, html_rules, tenant_ids
from tests.support.tenants import Tenants, make_tenants
from tests.support.web_client import hidden_fields, post_form, sign_in

POST_FORM_RE = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)


@pytest.fixture
def app_config(app_config):
    # Many form posts from one address.
    app_config["RATELIMIT_ENABLED"] = False
    return app_config


@pytest.fixture
def tenants(app) -> Tenants:
    return make_tenants()


def _switch(client, workspace) -> None:
    """Switch workspaces as the other tab does, through the switcher."""
    response = post_form(client, "/workspaces/switch", {"workspace": str(workspace.uuid)}, page="/")
    assert response.status_code == 302


def _flashes(client) -> str:
    return client.get("/settings/profile").get_data(as_text=True)


def _guarded_post_rules(app):
    return [
        rule
        for rule in html_rules(app)
        if "POST" in rule.methods and rule.endpoint not in EXEMPT_ENDPOINTS
    ]


def test_every_post_route_refuses_a_form_shown_for_another_workspace(app, client, tenants):
    owner, home, sibling = tenants.owner, tenants.owner.home, tenants.sibling
    sign_in(client, owner.admin.email)
    _switch(client, sibling.workspace)
    # Forms rendered while the sibling was current; then the other tab switches back home.
    stale = hidden_fields(client, "/settings/profile")
    _switch(client, home.workspace)
    before = snapshot()
    failures, checked = [], 0
    for rule in _guarded_post_rules(app):
        url = fill(rule, tenant_ids(rule, owner, home))
        response = client.post(url, data={**PLAUSIBLE_FORM, **stale})
        checked += 1
        if response.status_code != 303:
            failures.append(f"POST {rule.rule}: {response.status_code}")
            continue
        page = _flashes(client)
        said = (
            f"This form was for “{sibling.workspace.name}”, but you are now working in "
            f"“{home.workspace.name}”"
        )
        if said.replace("“", "&#8220;") not in page and said not in page:
            failures.append(f"POST {rule.rule}: no message naming both workspaces")
    assert checked > 15, "the URL map lost most of its POST routes"
    assert not failures, "\n".join(failures)
    assert changed_tables(before, snapshot()) == []


def test_every_post_route_refuses_a_form_that_names_no_workspace(app, client, tenants):
    owner = tenants.owner
    sign_in(client, owner.admin.email)
    token = hidden_fields(client, "/settings/profile")["csrf_token"]
    before = snapshot()
    failures = []
    for rule in _guarded_post_rules(app):
        url = fill(rule, tenant_ids(rule, owner, owner.home))
        response = client.post(url, data={**PLAUSIBLE_FORM, "csrf_token": token})
        if response.status_code != 303 or MISSING not in _flashes(client):
            failures.append(f"POST {rule.rule}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert changed_tables(before, snapshot()) == []


def test_every_post_form_on_every_page_names_its_workspace(app, client, tenants):
    owner = tenants.owner
    sign_in(client, owner.admin.email)
    exempt_paths = {"/workspaces/switch", "/logout"}
    failures, forms = [], 0
    for rule in html_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or "GET" not in rule.methods:
            continue
        url = fill(rule, tenant_ids(rule, owner, owner.home))
        response = client.get(url, buffered=True)
        if response.mimetype != "text/html":
            continue  # a download (CSV, a recording) has no forms
        html = response.get_data(as_text=True)
        for action, body in POST_FORM_RE.findall(html):
            forms += 1
            if action not in exempt_paths and 'name="form_workspace"' not in body:
                failures.append(f"{url}: the form posting to {action}")
    assert forms > 15
    assert not failures, "\n".join(failures)


def test_telephony_form_from_a_stale_tab_leaves_the_other_workspace_s_token_alone(
    app, client, tenants
):
    owner, home, sibling = tenants.owner, tenants.owner.home, tenants.sibling
    sign_in(client, owner.admin.email)
    tab_one = hidden_fields(client, "/settings/telephony")  # rendered in the home workspace
    _switch(client, sibling.workspace)  # the second tab
    response = client.post(
        "/settings/telephony",
        data={**tab_one, "account_sid": "AC" + "3" * 32, "auth_token": "e" * 32},
    )
    assert response.status_code == 303
    assert (
        db.session.scalar(
            select(TelephonyCredentials).where(
                TelephonyCredentials.workspace_id == sibling.workspace.id
            )
        )
        is None
    )
    page = _flashes(client)
    assert home.workspace.name in page and sibling.workspace.name in page
    assert "Nothing was changed" in page


def test_a_form_for_the_current_workspace_goes_through(app, client, tenants):
    owner = tenants.owner
    sign_in(client, owner.admin.email)
    response = post_form(client, "/campaigns", {"name": "Spring mailer", "type": "static"})
    assert response.status_code == 302
    assert "Spring mailer" in client.get("/campaigns").get_data(as_text=True)


def test_an_export_link_from_a_stale_tab_downloads_nothing(app, client, tenants):
    owner, home, sibling = tenants.owner, tenants.owner.home, tenants.sibling
    sign_in(client, owner.admin.email)
    calls_page = client.get("/calls").get_data(as_text=True)
    link = re.search(r'href="(/calls/export\.csv\?[^"]+)"', calls_page).group(1)
    assert f"workspace={home.workspace.uuid}" in link
    _switch(client, sibling.workspace)
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 303 and response.mimetype != "text/csv"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This export link was for" in page and "Nothing was downloaded" in page
    map_page = client.get("/map").get_data(as_text=True)
    map_link = re.search(r'href="(/map/export\.csv\?[^"]+)"', map_page)
    if map_link:  # only offered when the period has rows
        refused = client.get(map_link.group(1).replace("&amp;", "&"))
        assert refused.status_code == 200  # rendered for the sibling, now current
    stale_map = client.get(f"/map/export.csv?table=city&workspace={home.workspace.uuid}")
    assert stale_map.status_code == 303


def test_export_file_names_name_the_workspace(app, client, tenants):
    owner, home = tenants.owner, tenants.owner.home
    sign_in(client, owner.admin.email)
    slug = file_slug(home.workspace.name)
    calls = client.get(f"/calls/export.csv?workspace={home.workspace.uuid}", buffered=True)
    assert calls.status_code == 200
    assert re.fullmatch(
        rf'attachment; filename="calls-{slug}-\d{{4}}-\d{{2}}-\d{{2}}\.csv"',
        calls.headers["Content-Disposition"],
    )
    places = client.get(f"/map/export.csv?table=city&workspace={home.workspace.uuid}")
    assert places.headers["Content-Disposition"].startswith(
        f'attachment; filename="money-map-{slug}-city-'
    )


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ärzte Köln", "arzte-koln"),
        ("Bob's Plumbing & Heating, LLC", "bob-s-plumbing-heating-llc"),
        ("東京", "workspace"),
        ("x" * 60, "x" * 40),
    ],
)
def test_file_slugs_are_plain_ascii(name, slug):
    assert file_slug(name) == slug
