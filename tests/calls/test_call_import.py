"""Importing calls from CSV: good, bad and repeated files, through the service and the CLI."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import AuditEvent, Call, CallImport
from ringtonic.services.calls import imports as call_import
from ringtonic.services.calls.imports import ImportRejected, import_calls
from ringtonic.services.errors import Conflict, ValidationError
from tests.support.call_fixtures import add_call, add_campaign, add_number

GOOD = """\
started_at,caller_number,tracking_number,duration,status,city,state,zip,source,medium,external_id
2024-03-10 09:15:00,(512) 555-0147,+1 512 555 0100,1:35,completed,Austin,TX,78701,,,A-1
2024-03-10T14:20:00Z,+15125550148,5125550100,40,answered,Round Rock,TX,78664,google,organic,A-2
2024-03-11 08:00:00-05:00,anonymous,+13035550199,0,no-answer,,,,,,A-3
"""


def run_import(workspace, text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return import_calls(workspace, io.BytesIO(data), **kwargs)


def calls_in(workspace) -> list[Call]:
    return list(
        db.session.scalars(
            select(Call).where(Call.workspace_id == workspace.id).order_by(Call.started_at)
        )
    )


def call_count() -> int:
    return db.session.scalar(select(func.count(Call.id)))


@pytest.fixture
def workspace(make_account):
    _, _, workspace = make_account()
    return workspace


def test_good_file_imports_every_row_with_links_times_and_statuses(workspace):
    campaign = add_campaign(workspace, "GBP listing")
    number = add_number(workspace, "+15125550100", campaign=campaign, source="gbp", medium="local")
    result = run_import(workspace, GOOD)
    db.session.commit()
    assert (result.imported, result.skipped, result.ignored_columns) == (3, 0, [])
    first, second, third = calls_in(workspace)
    # Naive times are wall-clock times in the workspace's zone (New York, EDT from March 10).
    assert first.started_at == datetime(2024, 3, 10, 13, 15, tzinfo=UTC)
    assert (first.caller_number, first.duration_seconds, first.status) == (
        "+15125550147",
        95,
        "answered",
    )
    assert (first.phone_number_id, first.campaign_id) == (number.id, campaign.id)
    assert (first.source, first.medium) == ("gbp", "local")
    assert (first.caller_city, first.caller_state, first.caller_zip) == ("Austin", "TX", "78701")
    assert second.started_at == datetime(2024, 3, 10, 14, 20, tzinfo=UTC)
    assert (second.source, second.medium) == ("google", "organic")
    # A tracking number that is not one of the workspace's is kept as text, unlinked.
    assert third.started_at == datetime(2024, 3, 11, 13, 0, tzinfo=UTC)
    assert (third.tracking_number, third.phone_number_id, third.campaign_id) == (
        "+13035550199",
        None,
        None,
    )
    assert (third.caller_number, third.status, third.first_call) == ("", "missed", False)
    assert first.first_call and second.first_call
    assert all(call.uuid and call.external_id for call in (first, second, third))


def test_reimporting_the_same_file_adds_nothing(workspace):
    run_import(workspace, GOOD)
    db.session.commit()
    again = run_import(workspace, GOOD)
    db.session.commit()
    assert (again.imported, again.skipped) == (0, 3)
    assert call_count() == 3


def test_rows_without_external_id_get_a_stable_derived_one(workspace):
    text = "started_at,caller,to,status\n2024-03-10 09:15,5125550147,5125550100,answered\n"
    assert run_import(workspace, text).imported == 1
    db.session.commit()
    (call,) = calls_in(workspace)
    assert call.external_id.startswith("csv-")
    # The same call written differently is still the same call.
    same = (
        "started_at,caller,to,status\n2024-03-10T13:15:00Z,+1 512-555-0147,+15125550100,ANSWERED\n"
    )
    assert (run_import(workspace, same).imported, call_count()) == (0, 1)


def test_bad_rows_are_all_reported_with_line_and_column_and_nothing_is_imported(workspace):
    text = (
        "started_at,caller_number,tracking_number,duration,status,country,external_id\n"
        "2024-03-10 09:15:00,5125550147,5125550100,10,answered,US,ok-1\n"
        "yesterday,5125550147,5125550100,10,answered,US,bad-1\n"
        "2024-03-10 09:15:00,not a phone,12,-4,maybe,USA,bad-2\n"
        '2024-03-10 09:15:00,5125550147,5125550100,"1:75",answered,US,bad-3\n'
        "2024-03-10,5125550147,5125550100,10,answered,,bad-4\n"
        "2024-03-10 09:15:00,5125550147,5125550100,10,answered,US,bad-5,surprise\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        run_import(workspace, text)
    problems = {(p.line, p.column): p.reason for p in rejected.value.problems}
    assert "not a date and time" in problems[(3, "started_at")]
    assert "not a phone number" in problems[(4, "caller_number")]
    assert "not usable" in problems[(4, "tracking_number")]
    assert problems[(4, "duration")] == "cannot be negative"
    assert "must be one of ringing, in-progress, answered" in problems[(4, "status")]
    assert "two-letter" in problems[(4, "country")]
    assert "60 or more" in problems[(5, "duration")]
    assert "time of day" in problems[(6, "started_at")]
    assert "more cells than the header" in problems[(7, "")]
    assert rejected.value.total == 9
    assert "9 problems; nothing was imported" in rejected.value.message
    db.session.rollback()
    assert call_count() == 0


def test_problem_lines_count_physical_lines_with_quoted_newlines(workspace):
    text = (
        "started_at,caller,tracking_number,status,notes\n"
        '2024-03-10 09:15,5125550147,5125550100,answered,"Two\nLines"\n'
        "2024-03-10 09:15,5125550147,5125550100,nope,one line\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        run_import(workspace, text)
    assert [(p.line, p.column) for p in rejected.value.problems] == [(4, "status")]


def test_times_that_cannot_be_right_are_refused(workspace):
    text = (
        "started_at,caller,tracking_number,status\n"
        # 02:30 on 2024-03-10 was skipped in New York: clocks went from 2:00 to 3:00.
        "2024-03-10 02:30:00,5125550147,5125550100,answered\n"
        "2999-01-01T00:00:00Z,5125550147,5125550100,answered\n"
        "1960-01-01 00:00:00,5125550147,5125550100,answered\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        run_import(workspace, text)
    reasons = [p.reason for p in rejected.value.problems]
    assert "does not exist in America/New_York" in reasons[0]
    assert reasons[1] == "is in the future"
    assert "between 1970" in reasons[2]


def test_header_aliases_semicolons_bom_and_ignored_columns(workspace):
    text = (
        "\ufeffCall Start;From;To;Call Duration;Call Status;Notes\n"
        "2024-03-10 09:15;5125550147;5125550100;1:00:05;busy;called twice\n"
    )
    result = run_import(workspace, text.encode("utf-8"))
    assert (result.imported, result.ignored_columns) == (1, ["Notes"])
    (call,) = calls_in(workspace)
    assert (call.duration_seconds, call.status) == (3605, "busy")


def test_cells_an_export_protected_with_an_apostrophe_read_back(workspace):
    text = (
        "started_at,caller,tracking_number,status\n"
        "2024-03-10 09:15,'+15125550147,'+15125550100,answered\n"
    )
    run_import(workspace, text)
    assert calls_in(workspace)[0].caller_number == "+15125550147"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"started_at,caller,tracking_number,status\n", "no calls below the header"),
        (b"caller,tracking_number\n5125550147,5125550100\n", "no started_at, status column"),
        (
            b"started_at,caller,from,tracking_number,status\n",
            "both hold caller_number",
        ),
        (b"started_at,caller\n2024-03-10 09:15,Jos\xe9\n", "Line 2 is not UTF-8"),
        (b"PK\x03\x04rest-of-a-zip", "spreadsheet workbook"),
    ],
)
def test_unreadable_files_get_one_clear_message(workspace, content, message):
    with pytest.raises(ValidationError) as error:
        run_import(workspace, content)
    assert message in error.value.message
    assert error.value.field == "file"


def test_too_many_rows_are_refused(workspace, monkeypatch):
    monkeypatch.setattr(call_import, "MAX_ROWS", 2)
    rows = "".join(f"2024-03-10 09:1{n},5125550147,5125550100,answered\n" for n in range(3))
    with pytest.raises(ValidationError) as error:
        run_import(workspace, "started_at,caller,tracking_number,status\n" + rows)
    assert "more than 2 calls" in error.value.message


def test_duplicate_ids_inside_one_file_are_skipped(workspace):
    text = (
        "started_at,caller,tracking_number,status,external_id\n"
        "2024-03-10 09:15,5125550147,5125550100,answered,X\n"
        "2024-03-10 09:16,5125550147,5125550100,answered,X\n"
    )
    result = run_import(workspace, text)
    assert (result.imported, result.skipped) == (1, 1)


def test_first_calls_count_existing_calls_and_earlier_rows(workspace):
    known = add_call(
        workspace, datetime(2024, 3, 5, 12, 0, tzinfo=UTC), caller="+15125550101", first_call=True
    )
    add_call(workspace, datetime(2024, 3, 1, 12, 0, tzinfo=UTC), caller="+15125550102")
    db.session.commit()
    text = (
        "started_at,caller,tracking_number,status,external_id\n"
        # Listed out of order: the earlier row is still this new caller's first call.
        "2024-03-09T12:00:00Z,5125550103,5125550100,answered,n-2\n"
        "2024-03-08T12:00:00Z,5125550103,5125550100,answered,n-1\n"
        # Older history for a known caller: this is now their first call, not the known one.
        "2024-03-02T12:00:00Z,5125550101,5125550100,answered,k-0\n"
        # A caller who called before the import's calls: not a first call.
        "2024-03-09T12:00:00Z,5125550102,5125550100,answered,o-1\n"
    )
    run_import(workspace, text)
    db.session.commit()
    db.session.expire_all()
    flags = {call.external_id: call.first_call for call in calls_in(workspace)}
    assert flags == {"n-1": True, "n-2": False, "k-0": True, "o-1": False, None: False}
    assert known.first_call is False


def test_tracking_numbers_of_another_workspace_are_not_linked(make_account):
    _, _, mine = make_account()
    _, _, theirs = make_account()
    add_number(theirs, "+15125550100", campaign=add_campaign(theirs))
    db.session.commit()
    run_import(mine, GOOD)
    assert {call.phone_number_id for call in calls_in(mine)} == {None}


def test_import_is_audited(workspace):
    run_import(workspace, GOOD, filename="march.csv")
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calls.imported"))
    record = db.session.scalar(select(CallImport))
    assert (event.target, event.details) == (
        "march.csv",
        {"import": str(record.uuid), "rows": 3, "imported": 3, "skipped": 0},
    )


def test_cli_imports_reports_counts_and_skips_on_the_second_run(runner, workspace, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(GOOD)
    args = ["calls", "import", str(path), "--workspace", str(workspace.uuid)]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "Checking rows" in first.output
    assert "Imported 3 calls; skipped 0 already imported." in first.output
    second = runner.invoke(args=args)
    assert "Imported 0 calls; skipped 3 already imported." in second.output
    assert call_count() == 3


def test_cli_lists_bad_rows_and_exits_1_without_importing(runner, workspace, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        GOOD + "2024-03-12 10:00,5125550147,5125550100,5,answered,,,,,,x\n" + "oops,,,,,\n"
    )
    result = runner.invoke(args=["calls", "import", str(path), "--workspace", str(workspace.uuid)])
    assert result.exit_code == 1
    assert "line 6, started_at: is not a date and time" in result.output
    assert "line 6, tracking_number:" in result.output
    assert "nothing was imported" in result.output
    assert call_count() == 0


def test_cli_refuses_unknown_workspaces_and_missing_files(runner, workspace, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(GOOD)
    unknown = runner.invoke(
        args=["calls", "import", str(path), "--workspace", "00000000-0000-4000-8000-000000000000"]
    )
    assert unknown.exit_code == 1 and "No workspace with UUID" in unknown.output
    malformed = runner.invoke(args=["calls", "import", str(path), "--workspace", "abc"])
    assert malformed.exit_code == 2 and "not a workspace UUID" in malformed.output
    missing = runner.invoke(
        args=["calls", "import", str(tmp_path / "nope.csv"), "--workspace", str(workspace.uuid)]
    )
    assert missing.exit_code == 2
    assert runner.invoke(args=["calls", "import", "--help"]).exit_code == 0


def test_calls_added_by_a_concurrent_import_make_this_one_a_conflict(workspace, monkeypatch):
    run_import(workspace, GOOD)
    db.session.commit()
    # As if another import committed the same calls between our check and our insert.
    monkeypatch.setattr(call_import, "drop_known", lambda _workspace, calls: (calls, 0))
    with pytest.raises(Conflict) as error:
        run_import(workspace, GOOD)
    assert "import it again" in error.value.message
    db.session.rollback()
    assert call_count() == 3
