"""Imports write in short transactions, one per workspace at a time, and can be rolled back."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from ringtonic.extensions import db
from ringtonic.models import Call, CallImport, User
from ringtonic.models.types import utcnow
from ringtonic.services.calls import import_runs
from ringtonic.services.calls import imports as call_import
from ringtonic.services.calls.import_runs import ImportBusy, get_import, rollback_import
from ringtonic.services.calls.imports import ImportRejected, import_calls
from ringtonic.services.errors import Conflict
from ringtonic.services.reporting.rollups import rebuild_rollups
from tests.support.call_fixtures import add_call
from tests.support.rollups import rollup_rows
from tests.support.web_client import post_form, sign_in

HEADER = "started_at,caller_number,tracking_number,duration,status,external_id"
CALLER = "+15125550147"
# The earliest call of CALLER, then others; the workspace already has a later one.
ROWS = [
    f"2024-03-10T09:00:00Z,{CALLER},+15125550100,30,answered,R-1",
    "2024-03-10T09:05:00Z,+15125550148,+15125550100,40,answered,R-2",
    f"2024-03-10T09:10:00Z,{CALLER},+15125550100,50,missed,R-3",
    "2024-03-10T09:15:00Z,+15125550149,+15125550100,60,answered,R-4",
    "2024-03-10T09:20:00Z,+15125550150,+15125550100,70,voicemail,R-5",
    "2024-03-10T09:25:00Z,+15125550151,+15125550100,80,answered,R-6",
]
LATER = datetime(2024, 4, 1, 12, 0, tzinfo=UTC)


def csv_bytes(rows: list[str] = ROWS, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run_import(workspace, data: bytes = b"", **kwargs):
    return import_calls(workspace, io.BytesIO(data or csv_bytes()), **kwargs)


def calls_of(workspace) -> list[Call]:
    return list(
        db.session.scalars(
            select(Call).where(Call.workspace_id == workspace.id).order_by(Call.started_at)
        )
    )


def the_import(workspace) -> CallImport:
    return db.session.scalars(
        select(CallImport)
        .where(CallImport.workspace_id == workspace.id)
        .order_by(CallImport.id.desc())
    ).first()


def assert_rollups_recount(workspace) -> None:
    kept = rollup_rows(workspace.id)
    rebuild_rollups(workspace.id)
    db.session.commit()
    assert rollup_rows(workspace.id) == kept


@pytest.fixture
def workspace(make_account):
    _, _, workspace = make_account()
    # CALLER's first call as far as the workspace knows, later than the file's ones.
    add_call(workspace, LATER, caller=CALLER, first_call=True)
    db.session.commit()
    return workspace


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(call_import, "INSERT_BATCH", 2)
    monkeypatch.setattr(import_runs, "UNDO_BATCH", 2)
    monkeypatch.setattr(import_runs, "SQLITE_PAUSE_SECONDS", 0)


def test_each_batch_is_committed_and_the_record_says_what_was_done(workspace, small_batches):
    commits = []
    real_commit = db.session.commit
    # What another connection sees after each commit: the import's calls so far.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            db.session, "commit", lambda: (real_commit(), commits.append(len(calls_of(workspace))))
        )
        result = run_import(workspace, filename="march.csv")
    assert (result.imported, result.skipped) == (6, 0)
    # Slot taken, then three batches of two calls, then the record finished.
    assert commits == [1, 3, 5, 7, 7]
    record = the_import(workspace)
    assert (record.status, record.filename, record.rows, record.imported) == (
        "completed",
        "march.csv",
        6,
        6,
    )
    assert record.finished_at is not None
    imported = [call for call in calls_of(workspace) if call.import_id == record.id]
    assert len(imported) == 6
    # The file's earliest call of CALLER is the first one now, across batches.
    assert [c.first_call for c in calls_of(workspace) if c.caller_number == CALLER] == [
        True,
        False,
        False,
    ]
    assert_rollups_recount(workspace)


def test_an_import_failing_while_saving_removes_every_call_it_wrote(workspace, small_batches):
    real_insert = call_import._insert
    batches = []

    def insert_then_fail(workspace_, record, calls):
        batches.append(len(calls))
        if len(batches) == 3:
            raise Conflict("Simulated clash.", "file")
        real_insert(workspace_, record, calls)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(call_import, "_insert", insert_then_fail)
        with pytest.raises(Conflict):
            run_import(workspace)
    record = the_import(workspace)
    assert (record.status, record.reason) == ("rolled_back", "Simulated clash.")
    # Only the call that was there before is left, and it is CALLER's first call again.
    (left,) = calls_of(workspace)
    assert (left.started_at, left.first_call, left.import_id) == (LATER, True, None)
    assert_rollups_recount(workspace)
    # The slot is free again: the same file now imports.
    assert run_import(workspace).imported == 6


def test_a_rejected_file_leaves_no_record_and_is_checked_even_while_another_runs(workspace):
    running = CallImport(workspace_id=workspace.id, filename="big.csv", status="running")
    db.session.add(running)
    db.session.commit()
    # The problems come first: they are what the person must fix either way.
    with pytest.raises(ImportRejected):
        run_import(workspace, csv_bytes([ROWS[0].replace("answered", "lost")]))
    assert db.session.scalar(select(func.count(CallImport.id))) == 1


def test_a_second_import_of_the_workspace_waits_its_turn_another_workspace_does_not(
    workspace, make_account
):
    running = CallImport(workspace_id=workspace.id, filename="big.csv", status="running")
    db.session.add(running)
    db.session.commit()
    with pytest.raises(ImportBusy) as busy:
        run_import(workspace)
    assert "Another import into this workspace is still running" in busy.value.message
    assert "“big.csv”" in busy.value.message
    assert len(calls_of(workspace)) == 1
    _, _, other = make_account(email="other@example.com")
    assert run_import(other).imported == 6


def test_an_import_cut_off_is_rolled_back_by_the_next_one(workspace, small_batches):
    run_import(workspace)
    record = the_import(workspace)
    # As if the worker had been killed half-way, long enough ago.
    db.session.execute(
        update(CallImport)
        .where(CallImport.id == record.id)
        .values(status="running", updated_at=utcnow() - import_runs.STALE_AFTER - timedelta(1))
    )
    db.session.commit()
    data = csv_bytes([ROWS[1].replace("R-2", "S-1")])
    assert run_import(workspace, data).imported == 1
    db.session.refresh(record)
    assert record.status == "rolled_back" and "stopped before finishing" in record.reason
    assert [c.external_id for c in calls_of(workspace)] == ["S-1", None]
    assert calls_of(workspace)[1].first_call
    assert_rollups_recount(workspace)


def test_a_completed_import_rolls_back_through_the_cli(runner, workspace, small_batches):
    run_import(workspace)
    record = the_import(workspace)
    listing = runner.invoke(args=["calls", "imports", "--workspace", str(workspace.uuid)])
    assert listing.exit_code == 0 and str(record.uuid) in listing.output
    assert "completed" in listing.output
    args = ["calls", "rollback-import", str(record.uuid), "--workspace", str(workspace.uuid)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Rolled back: removed 6 calls." in result.output
    assert len(calls_of(workspace)) == 1 and calls_of(workspace)[0].first_call
    assert_rollups_recount(workspace)
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "This import is rolled back" in again.output


def test_a_running_import_cannot_be_rolled_back_or_found_elsewhere(workspace, make_account):
    running = CallImport(workspace_id=workspace.id, filename="big.csv", status="running")
    db.session.add(running)
    db.session.commit()
    with pytest.raises(ImportBusy):
        rollback_import(workspace, running)
    _, _, other = make_account(email="other@example.com")
    with pytest.raises(Exception, match="No such import"):
        get_import(other, str(running.uuid))


def test_the_import_page_refuses_a_second_import_while_one_runs(client, make_account):
    _, user, workspace = make_account()
    db.session.add(CallImport(workspace_id=workspace.id, filename="big.csv", status="running"))
    db.session.commit()
    sign_in(client, user.email)
    response = post_form(client, "/calls/import", {"file": (io.BytesIO(csv_bytes()), "a.csv")})
    assert response.status_code == 409
    assert "Another import into this workspace is still running" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Call.id))) == 0


def test_thousands_of_unknown_columns_keep_the_session_cookie_small(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    unknown = [f"unknown_column_{n}_" + "x" * 60 for n in range(3000)]
    header = ",".join([HEADER, *unknown])
    data = csv_bytes([row + "," * len(unknown) for row in ROWS], header)
    response = post_form(client, "/calls/import", {"file": (io.BytesIO(data), "wide.csv")})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert len(cookie) < 1500, len(cookie)
    page = client.get("/calls").get_data(as_text=True)
    assert "Imported 6 calls" in page
    # Each name cut to 40 characters.
    assert f"Ignored columns: {unknown[0][:39]}…, {unknown[1][:39]}…" in page
    assert "and 2,995 more." in page


def test_the_import_page_lists_imports_and_rolls_one_back_after_confirming(
    client, workspace, small_batches
):
    run_import(workspace, filename="march.csv")
    record = the_import(workspace)
    admin = db.session.scalar(select(User).where(User.account_id == workspace.account_id))
    sign_in(client, admin.email)
    page = client.get("/calls/import").get_data(as_text=True)
    assert "Recent imports" in page and "march.csv" in page and "Completed" in page
    confirm_path = f"/calls/imports/{record.uuid}/rollback"
    assert f'href="{confirm_path}"' in page
    confirm = client.get(confirm_path).get_data(as_text=True)
    assert "Roll back the import of “march.csv”?" in confirm
    response = post_form(client, confirm_path, {}, page=confirm_path)
    assert response.status_code == 302 and response.location.endswith("/calls/import")
    page = client.get("/calls/import").get_data(as_text=True)
    assert "Rolled back the import of “march.csv”: removed 6 calls." in page
    assert "Rolled back on request." in page
    assert len(calls_of(workspace)) == 1 and calls_of(workspace)[0].first_call
    again = post_form(client, confirm_path, {}, page="/calls/import")
    assert again.status_code == 302
    assert "This import is rolled back: nothing to roll back." in client.get(
        "/calls/import"
    ).get_data(as_text=True)
    assert client.get(f"/calls/imports/{uuid.uuid4()}/rollback").status_code == 404


def test_the_cli_refuses_a_second_import_of_the_workspace(runner, workspace, tmp_path):
    db.session.add(CallImport(workspace_id=workspace.id, filename="big.csv", status="running"))
    db.session.commit()
    path = tmp_path / "calls.csv"
    path.write_bytes(csv_bytes())
    result = runner.invoke(args=["calls", "import", str(path), "--workspace", str(workspace.uuid)])
    assert result.exit_code == 1
    assert "Another import into this workspace is still running" in result.output
    assert len(calls_of(workspace)) == 1
