"""Marking a call as spam: its caller joins the workspace's list, their calls leave reports."""

from __future__ import annotations

from sqlalchemy import select, update

from ringtonic.extensions import db
from ringtonic.models import BlockedNumber, Call, User, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.audit import record_event
from ringtonic.services.errors import ValidationError
from ringtonic.services.handling.blocks import BlockInput, block_in_workspace
from ringtonic.services.reporting.rollups import recounting_calls, share_rollup_lock


def check_spam_flag(raw: object) -> bool:
    """Return the spam flag of a request, or raise ValidationError."""
    if not isinstance(raw, bool):
        raise ValidationError("spam must be true or false.", "spam")
    return raw


def _callers_calls(workspace: Workspace, call: Call) -> list[int]:
    if not call.caller_number:
        return [call.id]  # a withheld number: only this call
    return list(
        db.session.scalars(
            select(Call.id).where(
                Call.workspace_id == workspace.id, Call.caller_number == call.caller_number
            )
        )
    )


def _set_spam(call_ids: list[int], spam: bool) -> None:
    # Recounting takes the calls out of the rollups and adds them back as they now are:
    # spam calls are not counted (services/calls/stats.counted_in_reports).
    with recounting_calls(call_ids):
        db.session.execute(
            update(Call)
            .where(Call.id.in_(call_ids))
            .values(spam=spam, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def set_call_spam(
    workspace: Workspace, call: Call, spam: bool, actor: User | None, ip: str | None = None
) -> Call:
    """Mark (or unmark) a call's caller as spam: the list entry and every call of theirs.

    Marking adds the caller to the workspace's blocked numbers (reason spam) and takes
    all their calls in this workspace out of reports; unmarking undoes both. Account-wide
    entries are left alone: only an admin removes those, from the account's list.
    """
    if call.spam == spam:
        return call
    share_rollup_lock(workspace.id)
    _set_spam(_callers_calls(workspace, call), spam)
    if call.caller_number:
        entry = db.session.scalar(
            select(BlockedNumber).where(
                BlockedNumber.workspace_id == workspace.id,
                BlockedNumber.number == call.caller_number,
            )
        )
        if spam and entry is None:
            block = BlockInput(call.caller_number, "spam", "Marked as spam on a call")
            block_in_workspace(workspace, block, actor, ip)
        elif not spam and entry is not None:
            db.session.delete(entry)
    record_event(
        actor,
        "call.marked_spam" if spam else "call.unmarked_spam",
        account_id=workspace.account_id,
        workspace=workspace,
        target=str(call.uuid),
        ip=ip,
    )
    db.session.flush()
    db.session.refresh(call)
    return call
