"""Calls the spam gate stopped: the calls log, its export and the calls API filter them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from ringtonic.extensions import db
from tests.support.call_fixtures import add_call
from tests.support.keys import api_get, issue_key
from tests.support.web_client import sign_in

STARTED = datetime(2024, 3, 10, 15, 0, tzinfo=UTC)
GATE_CALLER = "+15125550177"


@pytest.fixture
def gated(make_account):
    """An agency workspace with one answered call and one the spam gate stopped."""
    _, user, workspace = make_account(plan="agency")
    add_call(workspace, STARTED, caller="+15125550123", status="answered")
    stopped = add_call(workspace, STARTED, caller=GATE_CALLER, status="spam_gate_failed")
    db.session.commit()
    return user, workspace, stopped


def test_calls_log_filters_calls_the_gate_stopped(client, gated):
    user, _, _ = gated
    sign_in(client, user.email)
    page = client.get("/calls?status=spam_gate_failed")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<option selected value="spam_gate_failed">Spam gate failed</option>' in html
    assert "(512) 555-0177" in html and "(512) 555-0123" not in html


def test_calls_export_filters_calls_the_gate_stopped(client, gated):
    user, workspace, _ = gated
    sign_in(client, user.email)
    response = client.get(
        f"/calls/export.csv?workspace={workspace.uuid}&status=spam_gate_failed", buffered=True
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["status"] for row in rows] == ["spam_gate_failed"]


def test_calls_api_filters_calls_the_gate_stopped(client, gated):
    user, workspace, stopped = gated
    key = issue_key(workspace, user)
    response = api_get(client, "/api/v1/calls?status=spam_gate_failed", key)
    assert response.status_code == 200
    assert [call["uuid"] for call in response.get_json()["data"]] == [str(stopped.uuid)]


def test_reports_still_refuse_the_gate_status(client, gated):
    user, workspace, _ = gated
    key = issue_key(workspace, user)
    response = api_get(client, "/api/v1/reports/summary?status=spam_gate_failed", key)
    assert response.status_code == 400
    assert response.get_json()["code"] == "validation_error"


def test_openapi_offers_the_gate_status_on_the_calls_list_only(client):
    document = client.get("/api/v1/openapi.json").get_json()

    def status_enum(path: str) -> list[str]:
        parameters = document["paths"][path]["get"]["parameters"]
        status = next(p for p in parameters if p.get("name") == "status")
        return status["schema"]["enum"]

    assert "spam_gate_failed" in status_enum("/calls")
    assert "spam_gate_failed" not in status_enum("/reports/summary")
