"""The /api/v1 routes of the URL map, and how to call each one for the isolation tests.

A route whose path names an id missing from ID_VARIABLES, or a write route without a body
in WRITE_BODIES, fails tests/api/test_api_authorization_matrix.py: add its row here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ringtonic.api.openapi import build_openapi
from tests.support.keys import bearer
from tests.support.tenants import WorkspaceObjects

API_PREFIX = "/api/v1"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The contract itself is public: every caller gets it, key or not.
PUBLIC_API_PATHS = frozenset({"/api/v1/openapi.json"})

# Path variable -> the object of a workspace it names.
ID_VARIABLES: dict[str, Callable[[WorkspaceObjects], uuid.UUID]] = {
    "campaign_uuid": lambda objects: objects.campaign.uuid,
    "call_uuid": lambda objects: objects.call.uuid,
    "phone_number_uuid": lambda objects: objects.number.uuid,
}
# "METHOD path" -> a valid JSON body, so that only the key decides the answer.
WRITE_BODIES: dict[str, dict] = {
    "PATCH /api/v1/calls/<call_uuid>": {"note": "Called back, booked a visit"},
}

# "METHOD path" -> the Accept header of a route that does not answer JSON.
ACCEPTS: dict[str, str] = {
    "GET /api/v1/calls/<call_uuid>/recording": "audio/wav",
}


@dataclass(frozen=True)
class Route:
    """One method of one API rule."""

    method: str
    rule: str
    arguments: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def public(self) -> bool:
        return self.rule in PUBLIC_API_PATHS


def api_routes(app) -> list[Route]:
    """Return every method of every /api/v1 rule, in a stable order."""
    routes = [
        Route(method, rule.rule, tuple(sorted(rule.arguments)))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX + "/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    return sorted(routes, key=lambda route: route.name)


def required_query(route: Route) -> str:
    """Return a query string with the contract's required parameters (their first choice)."""
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", route.rule[len(API_PREFIX) :])
    operation = build_openapi()["paths"].get(path, {}).get(route.method.lower(), {})
    pairs = []
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter.get("required"):
            schema = parameter["schema"]
            value = schema.get("enum", [schema.get("default")])[0]
            pairs.append(f"{parameter['name']}={value}")
    return "&".join(pairs)


def url_for(route: Route, ids: dict[str, object]) -> str:
    """Fill the route's variables from `ids` and add its required query parameters."""
    path = route.rule
    for name in route.arguments:
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(ids[name]), path)
    query = required_query(route)
    return f"{path}?{query}" if query else path


def ids_of(objects: WorkspaceObjects, route: Route) -> dict[str, object]:
    return {name: ID_VARIABLES[name](objects) for name in route.arguments}


def missing_ids(route: Route) -> dict[str, object]:
    return {name: uuid.uuid4() for name in route.arguments}


def call(client, route: Route, url: str, secret: str | None):
    accept = ACCEPTS.get(route.name, "application/json")
    headers = {"Accept": accept, **(bearer(secret) if secret else {})}
    body = WRITE_BODIES.get(route.name) if route.writes else None
    return client.open(url, method=route.method, headers=headers, json=body, buffered=True)


def problem_code(response) -> str | None:
    if response.mimetype != "application/problem+json":
        return None
    return (response.get_json(silent=True) or {}).get("code")
