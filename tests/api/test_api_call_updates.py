"""PATCH /api/v1/calls/{uuid}: CRM write-back of note, tags, lead status and value."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ringtonic.extensions import db
from ringtonic.models import Call
from tests.support.api_support import assert_problem
from tests.support.call_fixtures import add_call
from tests.support.keys import bearer, issue_key


@pytest.fixture
def crm(make_account):
    """A call in an Agency workspace, a read-write key and a read-only key."""
    _, user, workspace = make_account(plan="agency")
    call = add_call(workspace, datetime(2026, 5, 4, 15, 0, tzinfo=UTC))
    db.session.commit()
    write_key = issue_key(workspace, user, access="read_write", name="CRM")
    read_key = issue_key(workspace, user, name="Dashboard")
    return workspace, user, call, write_key, read_key


def patch(client, call_uuid, body, key, **kwargs):
    kwargs.setdefault("json", body)
    return client.patch(f"/api/v1/calls/{call_uuid}", headers=bearer(key), **kwargs)


def stored(call: Call) -> Call:
    db.session.expire_all()
    return db.session.get(Call, call.id)


def test_crm_fields_are_written_and_returned(client, crm):
    _, _, call, key, _ = crm
    before = call.updated_at
    changes = {
        "note": "Wants a quote for a water heater.\nCall back Monday.",
        "tags": [" water heater ", "quote", "water heater", "Quote"],
        "lead_status": "qualified",
        "value": "250",
    }
    response = patch(client, call.uuid, changes, key)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["uuid"] == str(call.uuid)
    assert body["note"] == changes["note"]
    assert body["tags"] == ["water heater", "quote", "Quote"]
    assert (body["lead_status"], body["value"]) == ("qualified", "250.00")
    row = stored(call)
    assert (row.note, row.tags, row.lead_status) == (
        changes["note"],
        ["water heater", "quote", "Quote"],
        "qualified",
    )
    assert row.value == Decimal("250.00")
    assert row.updated_at > before and body["updated_at"].endswith("Z")


def test_only_the_fields_sent_change_and_null_clears(client, crm):
    _, _, call, key, _ = crm
    patch(
        client, call.uuid, {"note": "n", "tags": ["a"], "lead_status": "won", "value": "9.5"}, key
    )
    response = patch(client, call.uuid, {"value": None}, key)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["note"], body["tags"], body["lead_status"], body["value"]) == (
        "n",
        ["a"],
        "won",
        None,
    )
    cleared = patch(client, call.uuid, {"lead_status": None, "tags": [], "note": ""}, key)
    assert cleared.status_code == 200
    row = stored(call)
    assert (row.note, row.tags, row.lead_status, row.value) == ("", [], None, None)


@pytest.mark.parametrize(
    ("value", "stored_as"),
    [("0", "0.00"), ("0.5", "0.50"), ("007.10", "7.10"), ("9999999999.99", "9999999999.99")],
)
def test_money_values_keep_two_decimals(client, crm, value, stored_as):
    _, _, call, key, _ = crm
    response = patch(client, call.uuid, {"value": value}, key)
    assert response.status_code == 200 and response.get_json()["value"] == stored_as
    assert stored(call).value == Decimal(stored_as)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("note", None),
        ("note", 12),
        ("note", "x" * 10_001),
        ("note", "bell\x07"),
        ("tags", "vip"),
        ("tags", None),
        ("tags", [""]),
        ("tags", ["   "]),
        ("tags", ["x" * 51]),
        ("tags", [7]),
        ("tags", [["nested"]]),
        ("tags", ["two\nlines"]),
        ("tags", [f"t{n}" for n in range(51)]),
        ("lead_status", "hot"),
        ("lead_status", "Won"),
        ("lead_status", 1),
        ("value", 250),
        ("value", 12.5),
        ("value", "12.345"),
        ("value", "-1"),
        ("value", "10000000000"),
        ("value", "1e3"),
        ("value", " 5"),
        ("value", "5."),
        ("value", ""),
        ("value", "NaN"),
    ],
)
def test_each_bad_value_is_refused_by_name_and_nothing_changes(client, crm, field, value):
    _, _, call, key, _ = crm
    body = {"note": "kept?", field: value} if field != "note" else {field: value}
    response = patch(client, call.uuid, body, key)
    problem = assert_problem(response, 400, "validation_error")
    assert problem["field"] == field
    assert [error["field"] for error in problem["errors"]] == [field]
    assert stored(call).note == ""


def test_every_bad_or_unknown_field_is_named_at_once(client, crm):
    _, _, call, key, _ = crm
    response = patch(
        client,
        call.uuid,
        {"tags": "vip", "status": "answered", "lead_status": "hot", "value": 1, "note": "ok"},
        key,
    )
    problem = assert_problem(response, 400, "validation_error")
    errors = {error["field"]: error["message"] for error in problem["errors"]}
    assert set(errors) == {"tags", "status", "lead_status", "value"}
    assert "Unknown field 'status'" in errors["status"]
    assert "new, contacted, qualified, won, lost, unqualified" in errors["lead_status"]
    assert problem["field"] == problem["errors"][0]["field"]
    assert "4 fields are not valid" in problem["detail"]
    assert stored(call).note == ""


@pytest.mark.parametrize(
    ("data", "field"),
    [
        # Escapes JSON allows but no text holds: a lone surrogate, NUL.
        (r'{"note": "caller \ud800 said"}', "note"),
        (r'{"note": "low \udfff"}', "note"),
        (r'{"tags": ["vip", "\ud83d"]}', "tags"),
        (r'{"tags": ["a\u0000b"]}', "tags"),
        (r'{"lead_status": "won\u0000"}', "lead_status"),
        (r'{"value": "\ud800"}', "value"),
        (r'{"\ud800": "x"}', "body"),
        (r'{"note\u0000": "x"}', "body"),
        (r'{"note": "ok", "tags": [{"\udc00": 1}]}', "tags"),
        # Digits Python's int() and Decimal() take, that a stored number must not come from.
        ('{"value": "١٢٣"}', "value"),
        ('{"value": "１２３.４５"}', "value"),
        ('{"value": "१०"}', "value"),
    ],
)
def test_text_no_database_takes_and_foreign_digits_are_refused_by_name(client, crm, data, field):
    _, _, call, key, _ = crm
    response = patch(
        client,
        call.uuid,
        None,
        key,
        json=None,
        data=data.encode("utf-8"),
        content_type="application/json",
    )
    problem = assert_problem(response, 400, "validation_error")
    assert problem["field"] == field
    assert stored(call).note == "" and stored(call).value is None


def test_a_paired_surrogate_escape_is_an_ordinary_character(client, crm):
    _, _, call, key, _ = crm
    data = r'{"note": "rocket \ud83d\ude80"}'
    response = patch(
        client, call.uuid, None, key, json=None, data=data, content_type="application/json"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert stored(call).note == "rocket 🚀"


@pytest.mark.parametrize(
    ("data", "field"),
    [("{}", "body"), ("[]", "body"), ('"note"', "body"), ("{not json", "body"), ("", "body")],
)
def test_the_body_must_be_a_json_object_with_a_field(client, crm, data, field):
    _, _, call, key, _ = crm
    response = patch(
        client, call.uuid, None, key, json=None, data=data, content_type="application/json"
    )
    problem = assert_problem(response, 400, "validation_error")
    assert problem["field"] == field


def test_deeply_nested_json_is_a_validation_error_not_a_crash(client, crm):
    _, _, call, key, _ = crm
    data = '{"tags": ' + "[" * 20_000 + "]" * 20_000 + "}"
    response = patch(
        client, call.uuid, None, key, json=None, data=data, content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_unsupported(client, crm, content_type):
    _, _, call, key, _ = crm
    kwargs = {"data": json.dumps({"note": "hi"})}
    if content_type:
        kwargs["content_type"] = content_type
    response = patch(client, call.uuid, None, key, json=None, **kwargs)
    assert_problem(response, 415, "unsupported_media_type")


def test_charset_parameter_is_fine(client, crm):
    _, _, call, key, _ = crm
    response = patch(
        client,
        call.uuid,
        None,
        key,
        json=None,
        data=json.dumps({"note": "hi"}).encode(),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 200


def test_a_body_over_the_limit_is_too_large(client, crm):
    _, _, call, key, _ = crm
    response = patch(client, call.uuid, {"note": "x" * 70_000}, key)
    assert_problem(response, 413, "payload_too_large")
    assert stored(call).note == ""


def test_read_only_keys_cannot_write(client, crm):
    _, _, call, _, read_key = crm
    response = patch(client, call.uuid, {"note": "sneaky"}, read_key)
    problem = assert_problem(response, 403, "insufficient_ability")
    assert "Read and write" in problem["detail"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert stored(call).note == ""
    # The ability is checked before the body is even read.
    junk = patch(client, call.uuid, None, read_key, json=None, data="{", content_type="text/plain")
    assert_problem(junk, 403, "insufficient_ability")


def test_writing_needs_a_key(client, crm):
    _, _, call, _, _ = crm
    response = client.patch(f"/api/v1/calls/{call.uuid}", json={"note": "x"})
    assert_problem(response, 401, "missing_api_key")


def test_calls_of_other_workspaces_cannot_be_written(client, crm, make_account):
    _, _, call, key, _ = crm
    _, _, other = make_account(plan="agency")
    theirs = add_call(other, datetime(2026, 5, 4, 16, 0, tzinfo=UTC))
    db.session.commit()
    answers = [
        patch(client, ident, {"note": "mine now"}, key)
        for ident in (theirs.uuid, uuid.uuid4(), "not-a-uuid")
    ]
    bodies = [assert_problem(answer, 404, "not_found") for answer in answers]
    assert all(body == bodies[0] for body in bodies)
    assert stored(theirs).note == ""


def test_patch_refuses_query_parameters(client, crm):
    _, _, call, key, _ = crm
    response = client.patch(
        f"/api/v1/calls/{call.uuid}?dry_run=1", headers=bearer(key), json={"note": "x"}
    )
    assert assert_problem(response, 400, "validation_error")["field"] == "dry_run"
    assert stored(call).note == ""


MERGE_PATCH = "application/merge-patch+json"


def merge_patch(client, call_uuid, body, key, content_type=MERGE_PATCH):
    data = json.dumps(body) if not isinstance(body, str) else body
    return patch(client, call_uuid, None, key, json=None, data=data, content_type=content_type)


def test_a_merge_patch_sets_what_it_names_and_null_removes_a_field(client, crm):
    _, _, call, key, _ = crm
    patch(client, call.uuid, {"note": "n", "tags": ["a"], "lead_status": "won", "value": "9"}, key)
    response = merge_patch(client, call.uuid, {"note": None, "tags": None, "value": "12.5"}, key)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["note"], body["tags"], body["lead_status"], body["value"]) == (
        "",
        [],
        "won",
        "12.50",
    )
    removed = merge_patch(client, call.uuid, {"lead_status": None, "value": None}, key)
    assert removed.status_code == 200
    row = stored(call)
    assert (row.note, row.tags, row.lead_status, row.value) == ("", [], None, None)


def test_the_same_nulls_as_plain_json_are_refused_by_name(client, crm):
    # Plain JSON has no "remove": a null note or tags is a wrong type there, as before.
    _, _, call, key, _ = crm
    problem = assert_problem(patch(client, call.uuid, {"note": None}, key), 400, "validation_error")
    assert problem["field"] == "note"


def test_an_empty_merge_patch_changes_nothing(client, crm):
    _, _, call, key, _ = crm
    patch(client, call.uuid, {"note": "kept"}, key)
    before = stored(call).updated_at
    response = merge_patch(client, call.uuid, {}, key)
    assert response.status_code == 200 and response.get_json()["note"] == "kept"
    assert stored(call).updated_at == before
    gone = merge_patch(client, uuid.uuid4(), {}, key)
    assert_problem(gone, 404, "not_found")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ('{"status": null}', "status"),
        ('{"lead_status": "hot"}', "lead_status"),
        ('{"tags": {"vip": true}}', "tags"),
        ('[{"op": "replace", "path": "/note", "value": "x"}]', "body"),
        ('"note"', "body"),
        ("null", "body"),
    ],
)
def test_a_merge_patch_is_checked_like_any_body(client, crm, data, field):
    _, _, call, key, _ = crm
    problem = assert_problem(merge_patch(client, call.uuid, data, key), 400, "validation_error")
    assert problem["field"] == field
    assert stored(call).note == ""


def test_other_patch_formats_are_unsupported_and_name_both_accepted(client, crm):
    _, _, call, key, _ = crm
    ops = [{"op": "replace", "path": "/note", "value": "x"}]
    response = merge_patch(client, call.uuid, ops, key, content_type="application/json-patch+json")
    problem = assert_problem(response, 415, "unsupported_media_type")
    assert "application/json or application/merge-patch+json" in problem["detail"]


def test_read_only_keys_cannot_merge_patch_either(client, crm):
    _, _, call, _, read_key = crm
    response = merge_patch(client, call.uuid, {"note": "x"}, read_key)
    assert_problem(response, 403, "insufficient_ability")
