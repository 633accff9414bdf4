"""Every HTML route, built from the URL map: sign-in required, other tenants' ids, CSRF.

- Signed out, every route outside PUBLIC_ENDPOINTS sends the visitor to the sign-in page.
- Signed in as the owner's admin (who holds every permission), an id of another account's
  (or another workspace's) object answers 404 on every route, and changes nothing.
- Every POST route without a CSRF token, or with a forged one, answers 400 and changes
  nothing.

A route with an id variable missing from ID_VARIABLES fails
`test_every_html_id_variable_names_a_fixture_object`, so new routes cannot skip these checks.
(Who may do what by role is tests/accounts/test_route_permissions.py.)
"""

from __future__ import annotations

import pytest

from tests.support.db_snapshot import changed_tables, snapshot
from tests.support.html_routes import (
    ACCOUNT,
    CSRF_MESSAGE,
    ID_VARIABLES,
    PLAUSIBLE_FORM,
    PUBLIC_ENDPOINTS,
    fill,
    html_rules,
    methods_of,
    random_ids,
    tenant_ids,
)
from tests.support.tenants import Tenant, Tenants, WorkspaceObjects, make_tenants
from tests.support.web_client import csrf_token, hidden_fields, sign_in


@pytest.fixture
def app_config(app_config):
    # Many sign-ins and form posts from one address: more than the sign-in limit allows.
    app_config["RATELIMIT_ENABLED"] = False
    return app_config


@pytest.fixture
def tenants(app) -> Tenants:
    return make_tenants()


def test_every_html_id_variable_names_a_fixture_object(app):
    unknown = sorted(
        f"{rule.rule} ({name})"
        for rule in html_rules(app)
        if rule.endpoint not in PUBLIC_ENDPOINTS
        for name in rule.arguments
        if name not in ID_VARIABLES
    )
    assert not unknown, f"add these to ID_VARIABLES in tests/support/html_routes.py: {unknown}"
    stale = sorted(PUBLIC_ENDPOINTS - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"PUBLIC_ENDPOINTS names endpoints that no longer exist: {stale}"


def test_signed_out_visitors_are_sent_to_sign_in_from_every_private_route(app, client):
    token = csrf_token(client, "/login")
    failures = []
    checked = 0
    for rule in html_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = fill(rule, random_ids(rule))
        for method in methods_of(rule):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            location = response.headers.get("Location", "")
            checked += 1
            if response.status_code != 302 or not location.startswith("/login"):
                failures.append(f"{method} {url}: {response.status_code} {location!r}")
    assert checked > 30, "the URL map lost most of its routes"
    assert not failures, "\n".join(failures)


def _strangers(tenants: Tenants) -> dict[str, tuple[Tenant, WorkspaceObjects]]:
    return {
        "sibling workspace": (tenants.owner, tenants.sibling),
        "other account": (tenants.other, tenants.other.home),
    }


def test_owner_admin_reaches_own_objects_on_every_get_route_with_an_id(app, client, tenants):
    owner = tenants.owner
    sign_in(client, owner.admin.email)
    failures = []
    for rule in html_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or not rule.arguments or "GET" not in rule.methods:
            continue
        url = fill(rule, tenant_ids(rule, owner, owner.home))
        status = client.get(url).status_code
        if status != 200:
            failures.append(f"GET {url}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("stranger", ["sibling workspace", "other account"])
def test_other_tenants_objects_are_not_found_on_every_route(app, client, tenants, stranger):
    sign_in(client, tenants.owner.admin.email)
    fields = hidden_fields(client, "/settings/profile")
    tenant, objects = _strangers(tenants)[stranger]
    before = snapshot()
    failures = []
    checked = 0
    for rule in html_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or not rule.arguments:
            continue
        scopes = {ID_VARIABLES[name][0] for name in rule.arguments}
        if stranger == "sibling workspace" and scopes == {ACCOUNT}:
            continue  # the account's own workspaces, teammates and invitations: not strangers'
        url = fill(rule, tenant_ids(rule, tenant, objects))
        for method in methods_of(rule):
            data = {**PLAUSIBLE_FORM, **fields} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            checked += 1
            if response.status_code != 404:
                failures.append(f"{method} {url}: {response.status_code}")
    assert checked, "no route with an id variable was found"
    assert not failures, "\n".join(failures)
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
def test_every_post_route_refuses_a_missing_or_forged_csrf_token(app, client, tenants, token):
    owner = tenants.owner
    sign_in(client, owner.admin.email)
    before = snapshot()
    failures = []
    checked = 0
    for rule in html_rules(app):
        if "POST" not in rule.methods:
            continue
        values = random_ids(rule)
        if rule.endpoint not in PUBLIC_ENDPOINTS:
            values = tenant_ids(rule, owner, owner.home)
        data = dict(PLAUSIBLE_FORM, workspace=str(tenants.sibling.workspace.uuid))
        if token:
            data["csrf_token"] = token
        response = client.post(fill(rule, values), data=data)
        checked += 1
        if response.status_code != 400 or CSRF_MESSAGE not in response.get_data(as_text=True):
            failures.append(f"POST {rule.rule}: {response.status_code}")
    assert checked > 20, "the URL map lost most of its POST routes"
    assert not failures, "\n".join(failures)
    assert changed_tables(before, snapshot()) == []
    # Still signed in: not even sign-out went through.
    assert client.get("/settings/profile").status_code == 200
