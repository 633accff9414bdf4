"""Every /api/v1 route against every kind of caller (OWASP API1/API5), built from the URL map.

Cells: the owner's keys, a key of another workspace of the same account, a key of another
account, a revoked key, a read-only key on write routes, an Indie-plan key, and no key. A
route whose path names an id this file cannot fill, or a write route without a request
body below, fails `test_every_api_route_can_be_exercised`: new routes cannot skip the matrix.
"""

from __future__ import annotations

import pytest

from tests.support.api_routes import (
    ID_VARIABLES,
    WRITE_BODIES,
    Route,
    api_routes,
    call,
    ids_of,
    missing_ids,
    problem_code,
    url_for,
)
from tests.support.tenants import Tenants, make_tenants

ROUTES_FILE = "tests/support/api_routes.py"


def owner_strings(tenants: Tenants) -> list[str]:
    """Values that only the owner's workspace may ever be shown."""
    home = tenants.owner.home
    return [
        str(home.workspace.uuid),
        str(home.campaign.uuid),
        str(home.number.uuid),
        str(home.call.uuid),
        home.campaign.name,
        home.number.number,
    ]


@pytest.fixture
def tenants(app) -> Tenants:
    return make_tenants()


@pytest.fixture
def routes(app) -> list[Route]:
    return api_routes(app)


def test_every_api_route_can_be_exercised(routes):
    problems = []
    for route in routes:
        unknown = [name for name in route.arguments if name not in ID_VARIABLES]
        if unknown:
            problems.append(f"{route.name}: add {unknown} to ID_VARIABLES in {ROUTES_FILE}")
        if route.writes and route.name not in WRITE_BODIES:
            problems.append(f"{route.name}: add a body to WRITE_BODIES in {ROUTES_FILE}")
    assert routes, "no /api/v1 routes found"
    assert not problems, "\n".join(problems)


class Failures(list):
    """Mismatches collected over every route, reported together."""

    def expect(self, route: Route, cell: str, response, status: int, code: str | None) -> None:
        got = (response.status_code, problem_code(response))
        if got != (status, code):
            body = response.get_data(as_text=True)[:200]
            self.append(f"{route.name} [{cell}]: got {got}, expected {(status, code)}: {body}")


def _success_status(route: Route) -> int:
    return 201 if route.method == "POST" else 200


def test_owner_keys_reach_their_own_objects_and_missing_ids_are_not_found(client, routes, tenants):
    home = tenants.owner.home
    failures = Failures()
    for route in routes:
        for access in ("read_write", "read"):
            secret = home.keys[access]
            response = call(client, route, url_for(route, ids_of(home, route)), secret)
            if route.writes and access == "read" and not route.public:
                failures.expect(route, "read-only key", response, 403, "insufficient_ability")
            else:
                failures.expect(route, f"owner {access}", response, _success_status(route), None)
        if route.arguments and not route.public:
            response = call(client, route, url_for(route, missing_ids(route)), home.keys["read"])
            if not route.writes:
                failures.expect(route, "owner, missing id", response, 404, "not_found")
            response = call(
                client, route, url_for(route, missing_ids(route)), home.keys["read_write"]
            )
            failures.expect(route, "owner rw, missing id", response, 404, "not_found")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("stranger", ["sibling workspace", "other account"])
def test_other_tenants_keys_see_owner_ids_exactly_like_missing_ids(
    client, routes, tenants, stranger
):
    objects = tenants.sibling if stranger == "sibling workspace" else tenants.other.home
    secret = objects.keys["read_write"]
    owner_home = tenants.owner.home
    failures = Failures()
    for route in routes:
        response = call(client, route, url_for(route, ids_of(owner_home, route)), secret)
        if route.public:
            failures.expect(route, stranger, response, 200, None)
            continue
        if route.arguments:
            failures.expect(route, stranger, response, 404, "not_found")
            missing = call(client, route, url_for(route, missing_ids(route)), secret)
            same = (response.status_code, _body(response)) == (
                missing.status_code,
                _body(missing),
            )
            if not same:
                failures.append(
                    f"{route.name} [{stranger}]: owner's id answers unlike a missing id"
                )
        else:
            failures.expect(route, stranger, response, _success_status(route), None)
        leaked = [
            text for text in owner_strings(tenants) if text in response.get_data(as_text=True)
        ]
        if leaked:
            failures.append(f"{route.name} [{stranger}]: shows the owner's {leaked}")
    assert not failures, "\n".join(failures)


def _body(response) -> object:
    """Return a JSON answer without its request id (every request has its own)."""
    body = response.get_json(silent=True)
    if isinstance(body, dict):
        body.pop("request_id", None)
    return body


CALLER_CELLS = {
    "revoked key": (lambda tenants: tenants.revoked_key, 401, "revoked_api_key"),
    "Indie-plan key": (lambda tenants: tenants.indie.home.keys["read_write"], 403, "plan_required"),
    "no key": (lambda tenants: None, 401, "missing_api_key"),
}


@pytest.mark.parametrize("cell", sorted(CALLER_CELLS))
def test_refused_callers_get_the_same_answer_on_every_route(client, routes, tenants, cell):
    secret_of, status, code = CALLER_CELLS[cell]
    secret = secret_of(tenants)
    # The Indie account reads its own objects: the plan, not the tenant, refuses it.
    objects = tenants.indie.home if cell == "Indie-plan key" else tenants.owner.home
    failures = Failures()
    for route in routes:
        response = call(client, route, url_for(route, ids_of(objects, route)), secret)
        if route.public:
            failures.expect(route, cell, response, 200, None)
        else:
            failures.expect(route, cell, response, status, code)
            if status == 401 and "WWW-Authenticate" not in response.headers:
                failures.append(f"{route.name} [{cell}]: 401 without WWW-Authenticate")
    assert not failures, "\n".join(failures)
