"""GET /api/v1/calls with Accept: text/csv: every filtered call, streamed, for programs."""

from __future__ import annotations

import contextvars
import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.services.calls.export import HEADER, ROWS_PER_CHUNK
from tests.support.api_support import assert_invalid, assert_problem, seed_demo_api
from tests.support.call_fixtures import add_call, add_campaign, add_number
from tests.support.keys import api_get, bearer, issue_key

CSV = {"Accept": "text/csv"}
EXAMPLE_FIELDS = (
    "caller_city",
    "caller_state",
    "caller_zip",
    "caller_country",
    "source",
    "medium",
    "provider_call_id",
    "external_id",
)


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=900)


def rows_of(response) -> list[dict]:
    text = response.get_data(as_text=True)
    # For programs: a byte order mark would end up in the first column's name.
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def newest_first(workspace, *conditions) -> list[Call]:
    return list(
        db.session.scalars(
            select(Call)
            .where(Call.workspace_id == workspace.id, *conditions)
            .order_by(Call.started_at.desc(), Call.id.desc())
        )
    )


def test_csv_holds_every_filtered_call_newest_first_with_no_page_limit(client, demo):
    response = api_get(client, "/api/v1/calls?status=answered&limit=5", demo.read_key, headers=CSV)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="calls.csv"'
    assert "Accept" in response.headers["Vary"]
    assert response.headers["X-RateLimit-Remaining"]
    rows = rows_of(response)
    expected = newest_first(demo.workspace, Call.status == "answered")
    assert len(expected) > 50
    assert [row["ringtonic_id"] for row in rows] == [str(c.uuid) for c in expected]
    assert list(rows[0]) == list(HEADER)
    first = expected[0]
    assert rows[0]["started_at"] == first.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rows[0]["status"] == "answered" and rows[0]["state"] == first.caller_state


def test_csv_takes_the_same_filters_as_the_json_list(client, demo):
    query = "first_time=false&min_duration=60&state=TX&start_date=2026-04-01"
    rows = rows_of(api_get(client, f"/api/v1/calls?{query}", demo.read_key, headers=CSV))
    listed = api_get(client, f"/api/v1/calls?{query}&limit=200", demo.read_key).get_json()
    assert listed["next_cursor"] is None
    assert [row["ringtonic_id"] for row in rows] == [item["uuid"] for item in listed["data"]]
    assert rows and all(row["first_call"] == "no" and row["state"] == "TX" for row in rows)


def test_csv_is_streamed_a_few_hundred_rows_at_a_time(client, demo):
    def read_in_chunks():
        # The request and the reading of its stream share one context, as on a server.
        response = FlaskClient.open(
            client, "/api/v1/calls", headers={**bearer(demo.read_key), **CSV}
        )
        chunks = [chunk for chunk in response.response if chunk]
        response.close()
        return response, chunks

    response, chunks = contextvars.Context().run(read_in_chunks)
    assert response.is_streamed
    total = len(newest_first(demo.workspace))
    assert len(chunks) == total // ROWS_PER_CHUNK + 1 and len(chunks) >= 3
    assert max(len(chunk) for chunk in chunks) < 100_000


def test_csv_cells_that_could_be_formulas_are_defused_and_numbers_are_not(client, make_account):
    _, user, workspace = make_account(plan="agency")
    add_call(
        workspace,
        datetime(2026, 5, 1, 14, 0, tzinfo=UTC),
        caller="+15125550123",
        source='=HYPERLINK("http://evil.example","click")',
        medium="@SUM(A1)",
        caller_city="-2+3",
        caller_state="\tTX",
        caller_zip="-4.5",
        external_id="+42",
        provider_call_id="+1-1",
    )
    db.session.commit()
    key = issue_key(workspace, user)
    [row] = rows_of(api_get(client, "/api/v1/calls", key, headers=CSV))
    assert row["source"] == '\'=HYPERLINK("http://evil.example","click")'
    assert (row["medium"], row["city"], row["state"]) == ("'@SUM(A1)", "'-2+3", "'\tTX")
    assert row["provider_call_id"] == "'+1-1"
    # Whole numbers and E.164 phone numbers are values, not formulas: written as they are.
    assert (row["caller_number"], row["tracking_number"]) == ("+15125550123", "+15125550100")
    assert (row["zip"], row["external_id"]) == ("-4.5", "+42")


def test_the_openapi_csv_example_is_byte_for_byte_what_the_server_sends(client, make_account):
    from ringtonic.api.openapi_examples import CALL

    _, user, workspace = make_account(plan="agency")
    campaign = add_campaign(workspace, CALL["campaign"]["name"])
    number = add_number(workspace, CALL["tracking_number"], campaign=campaign)
    add_call(
        workspace,
        datetime.fromisoformat(CALL["started_at"]),
        number=number,
        caller=CALL["caller_number"],
        status=CALL["status"],
        duration=CALL["duration_seconds"],
        uuid=uuid.UUID(CALL["uuid"]),
        first_call=CALL["first_call"],
        **{name: CALL[name] for name in EXAMPLE_FIELDS},
    )
    db.session.commit()
    key = issue_key(workspace, user)
    sent = api_get(client, "/api/v1/calls", key, headers=CSV).get_data()
    document = client.get("/api/v1/openapi.json").get_json()
    media = document["paths"]["/calls"]["get"]["responses"]["200"]["content"]["text/csv"]
    assert media["examples"]["default"]["value"].encode() == sent
    assert "without a byte order mark" in media["schema"]["description"]
    assert "`+15125550147` and `-4.5` are written as they are" in media["schema"]["description"]
    assert sent.count(b"\r\n") == 2 and b"+15125550147" in sent


def test_csv_of_no_calls_is_just_the_header(client, make_account):
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    assert rows_of(api_get(client, "/api/v1/calls", key, headers=CSV)) == []


def test_csv_refuses_a_cursor_and_bad_filters(client, demo):
    cursor = api_get(client, "/api/v1/calls?limit=1", demo.read_key).get_json()["next_cursor"]
    assert_invalid(
        api_get(client, f"/api/v1/calls?cursor={cursor}", demo.read_key, headers=CSV), "cursor"
    )
    bad = api_get(client, "/api/v1/calls?end_date=2026-02-30", demo.read_key, headers=CSV)
    assert_invalid(bad, "end_date")


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("text/csv", "text/csv"),
        ("text/*", "text/csv"),
        ("application/json;q=0.5, text/csv", "text/csv"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("text/csv;q=0, application/*", "application/json"),
    ],
)
def test_the_accept_header_picks_json_or_csv(client, demo, accept, mimetype):
    response = api_get(client, "/api/v1/calls?limit=1", demo.read_key, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == mimetype


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "image/png"])
def test_formats_nobody_offers_are_not_acceptable(client, demo, accept):
    headers = {"Accept": accept}
    body = assert_problem(
        api_get(client, "/api/v1/calls", demo.read_key, headers=headers), 406, "not_acceptable"
    )
    assert "text/csv" in body["detail"]
    call = newest_first(demo.workspace)[0]
    assert_problem(
        api_get(client, f"/api/v1/calls/{call.uuid}", demo.read_key, headers=headers),
        406,
        "not_acceptable",
    )
    assert_problem(
        api_get(client, "/api/v1/campaigns", demo.read_key, headers={"Accept": "text/csv"}),
        406,
        "not_acceptable",
    )


def test_head_of_the_csv_sends_the_headers_without_the_file(client, demo):
    get = api_get(client, "/api/v1/calls", demo.read_key, headers=CSV)
    head = client.head("/api/v1/calls", headers={**bearer(demo.read_key), **CSV})
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Type", "Content-Disposition", "Vary", "RateLimit-Policy"):
        assert head.headers[name] == get.headers[name]


def test_csv_times_are_utc_whatever_the_workspace_zone(client, make_account):
    _, user, workspace = make_account(plan="agency")
    moment = datetime(2026, 7, 4, 23, 30, tzinfo=UTC)
    add_call(workspace, moment)
    add_call(workspace, moment - timedelta(days=1))
    db.session.commit()
    key = issue_key(workspace, user)
    rows = rows_of(api_get(client, "/api/v1/calls", key, headers=CSV))
    assert [row["started_at"] for row in rows] == ["2026-07-04T23:30:00Z", "2026-07-03T23:30:00Z"]
