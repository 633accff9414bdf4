"""The HTML routes of the URL map, and the objects of a tenant their id variables name.

A private route whose path names an id missing from ID_VARIABLES fails
tests/accounts/test_html_authorization.py: add its row here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from tests.support.tenants import Tenant, WorkspaceObjects
from tests.support.web_client import PASSWORD

# JSON API (key auth), provider webhooks (signatures) and the website tracker (public,
# allowed origins only) are tested elsewhere.
NOT_HTML = ("/api/", "/hooks/", "/t/")
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "web.healthz",
        "docs.api",
        "auth.register",
        "auth.login",
        "auth.logout",
        "auth.accept_invitation_view",  # the token in the URL is the credential
    }
)
WORKSPACE, ACCOUNT = "workspace", "account"
# Variable -> (what owns the object, how to find the object in a tenant).
ID_VARIABLES: dict[str, tuple[str, Callable[[Tenant, WorkspaceObjects], object]]] = {
    "campaign_uuid": (WORKSPACE, lambda tenant, objects: objects.campaign.uuid),
    "number_uuid": (WORKSPACE, lambda tenant, objects: objects.number.uuid),
    "call_uuid": (WORKSPACE, lambda tenant, objects: objects.call.uuid),
    "key_uuid": (WORKSPACE, lambda tenant, objects: objects.api_key.uuid),
    "import_uuid": (WORKSPACE, lambda tenant, objects: objects.call_import.uuid),
    "block_uuid": (WORKSPACE, lambda tenant, objects: objects.blocked_number.uuid),
    "workspace_uuid": (ACCOUNT, lambda tenant, objects: tenant.home.workspace.uuid),
    "user_uuid": (ACCOUNT, lambda tenant, objects: tenant.member.uuid),
    "invitation_uuid": (ACCOUNT, lambda tenant, objects: tenant.invitation.uuid),
}
# Values a form of each route could take: were a check missing, these would change data.
PLAUSIBLE_FORM = {
    "name": "Renamed by an attacker",
    "type": "website",
    "number": "+15125550177",
    "forwarding_number": "+15125550188",
    "friendly_name": "Attacker line",
    "source": "attacker",
    "medium": "cpc",
    "campaign": "",
    "email": "attacker@example.com",
    "role": "admin",
    "company": "Attacker Co",
    "password": PASSWORD,
    "current_password": PASSWORD,
    "new_password": PASSWORD + " changed",
    "account_sid": "AC" + "2" * 32,
    "auth_token": "f" * 32,
    "access": "read_write",
    "submission": "forged-submission",
    "time_zone": "America/Chicago",
    "plan": "indie",
    "revoke_keys": "y",
    "retention": "90",
    "missed_call": "y",
    "reason": "competitor",
    "spam": "true",
    "gate_enabled": "y",
    "recording_enabled": "y",
    "hours_mon": "00:00-01:00",
}
CSRF_MESSAGE = "This form has expired or was not sent from Ring Tonic."


def html_rules(app):
    """Return the HTML rules (not API, not webhooks, not static files)."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(NOT_HTML) and rule.endpoint != "static"
    ]


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def fill(rule, values: dict[str, object]) -> str:
    return rule.build({name: str(values[name]) for name in rule.arguments})[1]


def random_ids(rule) -> dict[str, object]:
    return {name: uuid.uuid4() for name in rule.arguments}


def tenant_ids(rule, tenant: Tenant, objects: WorkspaceObjects) -> dict[str, object]:
    return {name: ID_VARIABLES[name][1](tenant, objects) for name in rule.arguments}
