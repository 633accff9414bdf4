"""Demo-like data behind API keys, and helpers to read the API's answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ringtonic.extensions import db
from ringtonic.models import Account, User, Workspace
from ringtonic.services.demo.data import ensure_demo_clients, generate_call_batches, insert_calls
from tests.support.keys import api_get, issue_key

DEMO_NOW = datetime(2026, 6, 15, 17, 30, tzinfo=UTC)


@dataclass(frozen=True)
class DemoApi:
    """An Agency account seeded like the demo, with keys to its first client's workspace."""

    account: Account
    user: User
    workspace: Workspace
    other_workspace: Workspace
    read_key: str
    write_key: str


def seed_demo_api(make_account, calls: int = 300) -> DemoApi:
    """Seed the demo clients with `calls` calls and issue a read and a read-write key."""
    account, user, workspace = make_account(plan="agency", company="Demo Agency")
    clients = ensure_demo_clients(account, DEMO_NOW)
    for rows in generate_call_batches(clients, calls, 7, DEMO_NOW):
        insert_calls(rows)
    db.session.commit()
    return DemoApi(
        account=account,
        user=user,
        workspace=workspace,
        other_workspace=clients[1].workspace,
        read_key=issue_key(workspace, user, name="Dashboard"),
        write_key=issue_key(workspace, user, access="read_write", name="CRM sync"),
    )


def assert_problem(response, status: int, code: str) -> dict:
    """Check a problem+json answer and return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status, body
    assert body["title"] and body["detail"] and body["type"].endswith(code)
    # Each answer has its own id; without it, answers to different requests compare equal.
    assert body.pop("request_id") == response.headers["X-Request-Id"]
    return body


def assert_invalid(response, field: str) -> dict:
    """Check a 400 validation_error that names `field` first."""
    body = assert_problem(response, 400, "validation_error")
    assert body["field"] == field, body
    assert body["errors"][0]["field"] == field and body["errors"][0]["message"], body
    return body


def walk(client, path: str, secret: str, **kwargs) -> tuple[list[dict], list]:
    """Follow Link headers from `path` to the last page; return every item and every page."""
    items, pages, url = [], [], path
    while url:
        response = api_get(client, url, secret, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        pages.append(body)
        items.extend(body["data"])
        link = response.headers.get("Link")
        if body["next_cursor"] is None:
            assert link is None
            url = None
        else:
            assert link.endswith('>; rel="next"') and body["next_cursor"] in link
            url = link[1 : link.index(">")]
    return items, pages
