"""The database unreachable, or lost in the middle of a request: 503, no trace, no half-writes."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event, func, select

from ringtonic import create_app
from ringtonic.extensions import db
from ringtonic.models import ApiKey, AuditEvent, Call, Campaign
from ringtonic.services.keys.api_keys import generate_api_key
from tests.support.ports import free_port
from tests.support.telephony_helpers import (
    add_tracking_number,
    connect_twilio,
    post_signed,
    voice_params,
)
from tests.support.web_client import hidden_fields, post_form, sign_in

# Words that only a leaked stack trace or driver message would put in a page.
INTERNALS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", "OperationalError", 'File "')
UNREACHABLE = {
    "postgresql": lambda tmp: f"postgresql+psycopg://ringtonic@127.0.0.1:{free_port()}/gone",
    "sqlite": lambda tmp: f"sqlite:///{tmp / 'missing-directory' / 'gone.sqlite3'}",
}


def assert_no_internals(response) -> None:
    body = response.get_data(as_text=True)
    assert not [word for word in INTERNALS if word in body], body[:500]


@pytest.fixture(params=sorted(UNREACHABLE))
def broken(request, app, app_config, tmp_path, make_account):
    """An app whose database cannot be reached, and a session cookie of a real user."""
    make_account(plan="agency", email="admin@example.com")
    working = app.test_client()
    sign_in(working, "admin@example.com")
    config = {**app_config, "SQLALCHEMY_DATABASE_URI": UNREACHABLE[request.param](tmp_path)}
    broken_app = create_app(config)
    cookie = working.get_cookie("ringtonic_session")
    return broken_app, cookie.value


def test_api_answers_503_problem_without_internals(broken, caplog):
    broken_app, _ = broken
    with caplog.at_level(logging.ERROR, logger="ringtonic.web.errors"):
        response = broken_app.test_client().get(
            "/api/v1/me", headers={"Authorization": f"Bearer {generate_api_key()}"}
        )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"].isdigit()
    assert response.headers["Cache-Control"] == "no-store"
    assert_no_internals(response)
    assert "database unavailable on GET /api/v1/me" in caplog.text


def test_pages_forms_and_webhooks_answer_503_pages_without_internals(broken):
    broken_app, session_cookie = broken
    signed_in = broken_app.test_client()
    signed_in.set_cookie("ringtonic_session", session_cookie)
    visitor = broken_app.test_client()
    answers = [
        signed_in.get("/calls"),
        signed_in.get("/settings/api-keys"),
        post_form(visitor, "/login", {"email": "admin@example.com", "password": "whatever!!"}),
        visitor.post("/hooks/twilio/voice/0b7d7e2c-57b5-4bd5-a3fe-0cf0d1ba9c39", data={}),
    ]
    for response in answers:
        assert response.status_code == 503
        assert "Service unavailable" in response.get_data(as_text=True)
        assert_no_internals(response)


class LostConnection:
    """Make the database fail at the first statement that writes to `table`."""

    def __init__(self, table: str) -> None:
        self.prefix = f"INSERT INTO {table} "
        self.failed = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(self.prefix):
            self.failed = True
            raise conn.dialect.loaded_dbapi.OperationalError("server closed the connection")

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc_info):
        event.remove(db.engine, "before_cursor_execute", self)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("path", "data", "failing_table", "untouched"),
    [
        ("/settings/api-keys", {"name": "CRM", "access": "read"}, "audit_events", ApiKey),
        ("/campaigns", {"name": "Spring mailer", "type": "static"}, "audit_events", Campaign),
    ],
    ids=["api-key", "campaign"],
)
def test_connection_lost_mid_transaction_writes_nothing(
    app, client, make_account, path, data, failing_table, untouched
):
    make_account(plan="agency", email="admin@example.com")
    sign_in(client, "admin@example.com")
    fields = hidden_fields(client, path)
    before = (count(untouched), count(AuditEvent))
    with LostConnection(failing_table) as lost:
        response = client.post(path, data={**fields, **data})
    assert lost.failed
    assert response.status_code == 503
    assert "ringtonic_" not in response.get_data(as_text=True)
    assert_no_internals(response)
    # The row written before the failure went with the transaction.
    assert (count(untouched), count(AuditEvent)) == before


def test_connection_lost_while_storing_a_webhook_call_stores_nothing(app, client, make_account):
    _, _, workspace = make_account()
    connect_twilio(workspace)
    add_tracking_number(workspace)
    with LostConnection("calls") as lost:
        response = post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params())
    assert lost.failed and response.status_code == 503
    assert count(Call) == 0
    # Twilio retries; with the database back, the call is stored once.
    assert (
        post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params()).status_code
        == 200
    )
    assert count(Call) == 1
