"""The record of each CSV import: one at a time per workspace, rolled back when cut off.

An import writes its calls in short transactions (so live calls never wait on it), each
call marked with the import's id. Its record holds the workspace's import slot while it
runs; a unique index over the active records refuses a second one. An import that fails
half-way deletes what it wrote; one cut off without the chance (a killed worker, a lost
database connection) stops moving, and the next import of its workspace, or
`flask calls rollback-import`, rolls it back first.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, case, delete, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ringtonic.extensions import db
from ringtonic.models import Call, CallImport, User, Workspace
from ringtonic.models.imports import ACTIVE_STATUSES
from ringtonic.models.types import utcnow
from ringtonic.services.audit import record_event
from ringtonic.services.errors import Conflict, NotFound
from ringtonic.services.reporting.rollups import lock_rollups, recounting_calls, remove_calls

log = logging.getLogger(__name__)

# An active import moves on after every batch (well under a second); one that has not
# for this long was cut off.
STALE_AFTER = timedelta(minutes=5)
UNDO_BATCH = 1000
# After each batch on SQLite, the write lock is left free this long: SQLite's busy
# handler polls (every 100 ms at most), and a writer that took the lock straight back
# could keep a waiting webhook out for the whole import.
SQLITE_PAUSE_SECONDS = 0.1
REASON_LIMIT = 500

Progress = Callable[[str, int, int], None]


class ImportBusy(Conflict):
    """Another import of the workspace is running: one at a time."""


def _describe(record: CallImport) -> str:
    name = f"“{record.filename}”" if record.filename else "a file"
    started = record.created_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"the import of {name} started {started}"


def _busy(record: CallImport | None) -> ImportBusy:
    what = _describe(record) if record else "another import"
    return ImportBusy(
        f"Another import into this workspace is still running ({what}). "
        "Import this file when it has finished.",
        "file",
    )


def _active(workspace_id: int) -> CallImport | None:
    return db.session.scalar(
        select(CallImport).where(
            CallImport.workspace_id == workspace_id, CallImport.status.in_(ACTIVE_STATUSES)
        )
    )


def _is_stale(record: CallImport) -> bool:
    return record.updated_at < utcnow() - STALE_AFTER


def pause_for_live_writes() -> None:
    """Leave the database's write lock free for a moment between two batches (SQLite)."""
    if db.session.get_bind().dialect.name == "sqlite":
        time.sleep(SQLITE_PAUSE_SECONDS)


def _take_over(record: CallImport) -> bool:
    """Claim a cut-off import for rolling back; False if someone else claimed it first."""
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(CallImport)
            .where(CallImport.id == record.id, CallImport.updated_at == record.updated_at)
            .values(status="rolling_back", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.commit()
    return claimed.rowcount == 1


def start_import(workspace: Workspace, actor: User | None, filename: str) -> CallImport:
    """Take the workspace's import slot and return the new record (committed).

    A running import of the workspace makes this an ImportBusy; one that was cut off is
    rolled back first.
    """
    active = _active(workspace.id)
    if active is not None:
        if not _is_stale(active) or not _take_over(active):
            raise _busy(active)
        log.warning("rolling back import %s, cut off at %s", active.uuid, active.updated_at)
        undo_calls(active, "It stopped before finishing; its calls were removed.")
    record = CallImport(
        workspace_id=workspace.id,
        user_id=actor.id if actor is not None else None,
        filename=filename[:200],
        status="running",
    )
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _busy(_active(workspace.id)) from None
    return record


def touch(record: CallImport, **values: int | str | datetime) -> None:
    """Note that the import is moving (and its counts): the first write of each batch.

    Being the first write, it begins the batch's transaction: on SQLite it takes the
    write lock, so the reads that follow see what the batch will write against.
    """
    db.session.execute(
        update(CallImport)
        .where(CallImport.id == record.id)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )


def _finish(
    record: CallImport, status: str, reason: str = "", counts: Mapping[str, int] | None = None
) -> None:
    touch(
        record, status=status, reason=reason[:REASON_LIMIT], finished_at=utcnow(), **(counts or {})
    )


def complete_import(
    record: CallImport, workspace: Workspace, actor: User | None, ip: str | None, **counts: int
) -> None:
    """Mark the import completed and audit it (committed)."""
    _finish(record, "completed", counts=counts)
    record_event(
        actor,
        "calls.imported",
        account_id=workspace.account_id,
        workspace=workspace,
        target=record.filename,
        ip=ip,
        details={"import": str(record.uuid), **counts},
    )
    db.session.commit()


def abandon_import(record: CallImport, reason: str) -> None:
    """Roll back an import that failed while writing; if that fails too, leave it to the next."""
    try:
        db.session.rollback()
        touch(record, status="rolling_back")
        db.session.commit()
        undo_calls(record, reason)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("import %s not rolled back; the next import will", record.uuid)


def _restore_first_calls(workspace_id: int, callers: Sequence[str]) -> None:
    """Flag the earliest call of each caller left without a first call."""
    flagged = func.sum(case((Call.first_call.is_(True), 1), else_=0))
    earliest = db.session.execute(
        select(Call.caller_number, func.min(Call.started_at))
        .where(Call.workspace_id == workspace_id, Call.caller_number.in_(callers))
        .group_by(Call.caller_number)
        .having(flagged == 0)
    ).all()
    if not earliest:
        return
    candidates = db.session.execute(
        select(Call.caller_number, Call.id).where(
            Call.workspace_id == workspace_id,
            tuple_(Call.caller_number, Call.started_at).in_([tuple(row) for row in earliest]),
        )
    ).all()
    first: dict[str, int] = {}
    for caller, call_id in candidates:
        first[caller] = min(call_id, first.get(caller, call_id))
    ids = sorted(first.values())
    with recounting_calls(ids):
        db.session.execute(
            update(Call)
            .where(Call.id.in_(ids))
            .values(first_call=True)
            .execution_options(synchronize_session=False)
        )


def undo_calls(record: CallImport, reason: str, progress: Progress | None = None) -> int:
    """Delete the import's calls in short transactions, keeping rollups and first calls right.

    The record must already be claimed (status rolling_back); it ends rolled_back.
    Returns how many calls were removed.
    """
    removed = 0
    while True:
        touch(record)
        lock_rollups(record.workspace_id)
        rows = db.session.execute(
            select(Call.id, Call.caller_number)
            .where(Call.import_id == record.id)
            .order_by(Call.id)
            .limit(UNDO_BATCH)
        ).all()
        if not rows:
            break
        ids = [row.id for row in rows]
        remove_calls(ids)
        db.session.execute(
            delete(Call).where(Call.id.in_(ids)).execution_options(synchronize_session=False)
        )
        callers = sorted({row.caller_number for row in rows if row.caller_number})
        if callers:
            _restore_first_calls(record.workspace_id, callers)
        db.session.commit()
        removed += len(ids)
        if progress is not None:
            progress("Removing calls", removed, record.imported or removed)
        pause_for_live_writes()
    _finish(record, "rolled_back", reason)
    db.session.commit()
    return removed


def list_imports(workspace: Workspace, limit: int = 20) -> list[CallImport]:
    """Return the workspace's latest imports, newest first."""
    return list(
        db.session.scalars(
            select(CallImport)
            .where(CallImport.workspace_id == workspace.id)
            .order_by(CallImport.created_at.desc(), CallImport.id.desc())
            .limit(limit)
        )
    )


def get_import(workspace: Workspace, import_uuid: str) -> CallImport:
    """Return one of the workspace's imports by its UUID."""
    try:
        wanted = uuid.UUID(import_uuid)
    except ValueError:
        raise NotFound("No such import.") from None
    record: CallImport | None = db.session.scalar(
        select(CallImport).where(CallImport.workspace_id == workspace.id, CallImport.uuid == wanted)
    )
    if record is None:
        raise NotFound("No such import.")
    return record


def rollback_import(
    workspace: Workspace,
    record: CallImport,
    *,
    actor: User | None = None,
    ip: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Remove the calls an import added (committed as it goes); return how many went.

    A completed import, or one cut off while running; never one still moving.
    """
    if record.status in ACTIVE_STATUSES:
        if not _is_stale(record):
            raise _busy(record)
        claimed = _take_over(record)
    elif record.status == "completed":
        claimed = _claim_completed(record)
    else:
        raise Conflict(f"This import is {record.status.replace('_', ' ')}: nothing to roll back.")
    if not claimed:
        raise _busy(_active(workspace.id))
    removed = undo_calls(record, "Rolled back on request.", progress)
    record_event(
        actor,
        "calls.import_rolled_back",
        account_id=workspace.account_id,
        workspace=workspace,
        target=record.filename,
        ip=ip,
        details={"import": str(record.uuid), "removed": removed},
    )
    db.session.commit()
    return removed


def _claim_completed(record: CallImport) -> bool:
    """Move a completed import to rolling_back, taking the slot; False if another holds it."""
    try:
        claimed = cast(
            CursorResult[Any],
            db.session.execute(
                update(CallImport)
                .where(CallImport.id == record.id, CallImport.status == "completed")
                .values(status="rolling_back", updated_at=utcnow())
                .execution_options(synchronize_session=False)
            ),
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return claimed.rowcount == 1
