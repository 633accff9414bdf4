"""Every HTML route that changes something, against every role: a matrix built from the URL map.

A new POST route fails `test_every_changing_route_has_a_rule` until it is added to RULES, so
no route can ship without someone deciding who may use it.
"""

from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import IntegerConverter

from ringtonic.services.accounts import policy
from tests.support.team_support import add_member
from tests.support.web_client import hidden_fields, sign_in

CHANGING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The JSON API (key auth), provider webhooks (signatures) and the website tracker's visits
# (allowed origins, tests/tracking/test_website_tracking.py) have their own tests.
NOT_HTML = ("/api/", "/hooks/", "/static/", "/t/")
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed-in"  # any role, but a session is needed

# endpoint -> the permission its view requires (or PUBLIC / SIGNED_IN).
RULES: dict[str, str] = {
    "auth.register": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,  # signing out when signed out just lands on the sign-in page
    "auth.accept_invitation_view": PUBLIC,  # the token is the credential
    "web.switch_workspace": "view_data",
    "settings.profile": SIGNED_IN,
    "settings.create_workspace_view": "manage_workspaces",
    "settings.edit_workspace": "manage_workspaces",
    "settings.change_plan": "manage_plan",
    "settings.team_invite": "manage_team",
    "settings.team_revoke_invitation": "manage_team",
    "settings.team_change_role": "manage_team",
    "settings.team_remove": "manage_team",
    "settings.api_keys_create": "manage_api_keys",
    "settings.api_keys_revoke": "manage_api_keys",
    "settings.telephony_save": "manage_telephony",
    "settings.website_save": "manage_website_tracking",
    "settings.alerts": "view_data",
    "settings.recordings": "manage_calls",
    "tracking.create_campaign_view": "manage_campaigns",
    "tracking.update_campaign_view": "manage_campaigns",
    "tracking.archive_campaign": "manage_campaigns",
    "tracking.unarchive_campaign": "manage_campaigns",
    "tracking.add_number_view": "manage_numbers",
    "tracking.update_number_view": "manage_numbers",
    "calls.import_form": "manage_calls",
    "calls.rollback": "manage_calls",
    "handling.add_blocked_number": "manage_blocked_numbers",
    "handling.remove_blocked_number": "manage_blocked_numbers",
    "handling.add_account_blocked_number": "manage_account_blocked_numbers",
    "handling.remove_account_blocked_number": "manage_account_blocked_numbers",
    "handling.mark_spam": "manage_calls",
    "handling.save_call_flow": "manage_campaigns",
}
ROLES = ("admin", "manager", "member")


def changing_html_rules(app):
    """Return the URL rules that accept a state-changing method, outside the API and hooks."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.methods & CHANGING_METHODS and not rule.rule.startswith(NOT_HTML)
    ]


def build_url(rule) -> str:
    """Fill the rule's variables with ids that exist nowhere: a permitted role gets a 404."""
    values = {
        # Rule keeps its converters privately; an <int:...> part must get a number to match.
        name: 987654321 if isinstance(rule._converters[name], IntegerConverter) else uuid.uuid4()
        for name in rule.arguments
    }
    return rule.build(values)[1]


@pytest.fixture
def people(app, app_config, make_account):
    """An Agency account with one user per role."""
    account, _admin, _ = make_account(plan="agency", email="admin@example.com")
    add_member(account, "manager@example.com", "manager")
    add_member(account, "member@example.com", "member")
    return {
        "admin": "admin@example.com",
        "manager": "manager@example.com",
        "member": "member@example.com",
    }


@pytest.fixture
def app_config(app_config):
    # One fresh sign-in per route and role: far more than the sign-in rate limit allows.
    app_config["RATELIMIT_ENABLED"] = False
    # /register is public only while registration is open (closed answers 403 to everyone).
    app_config["RINGTONIC_OPEN_REGISTRATION"] = True
    return app_config


def test_every_changing_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in changing_html_rules(app)}
    missing = sorted(endpoints - RULES.keys())
    assert not missing, f"add these endpoints to RULES in {__name__}: {missing}"
    stale = sorted(RULES.keys() - endpoints)
    assert not stale, f"RULES names endpoints that no longer change anything: {stale}"


def test_rules_agree_with_the_decorators(app):
    for endpoint, rule in RULES.items():
        declared = getattr(app.view_functions[endpoint], "required_permission", None)
        if rule in (PUBLIC, SIGNED_IN):
            assert declared is None, f"{endpoint} has @requires({declared!r}) but RULES says {rule}"
        else:
            assert rule in policy.PERMISSIONS, f"{endpoint}: unknown permission {rule!r}"
            assert declared == rule, f"{endpoint} requires {declared!r}, RULES says {rule!r}"


def _post(app, url: str, email: str | None):
    browser = app.test_client()
    if email:
        sign_in(browser, email)
    page = "/settings/profile" if email else "/login"
    return browser.post(url, data=hidden_fields(browser, page))


def test_every_role_against_every_changing_route(app, people):
    failures = []
    for rule in changing_html_rules(app):
        required = RULES[rule.endpoint]
        url = build_url(rule)
        anonymous = _post(app, url, None)
        if required == PUBLIC:
            if anonymous.status_code == 403:
                failures.append(f"{url} signed out: 403 on a public route")
        elif not (
            anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
        ):
            failures.append(f"{url} signed out: {anonymous.status_code}, not sent to sign in")
        for role in ROLES:
            status = _post(app, url, people[role]).status_code
            allowed = required in (PUBLIC, SIGNED_IN) or role in policy.PERMISSIONS[required]
            if allowed and status == 403:
                failures.append(f"{url} as {role}: 403 although {role} holds {required}")
            if not allowed and status != 403:
                failures.append(f"{url} as {role}: {status}, expected 403 ({required})")
    assert not failures, "\n".join(failures)
