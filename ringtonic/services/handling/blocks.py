"""Blocked numbers (per workspace, or account-wide) and the log of the calls they refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from ringtonic.extensions import db
from ringtonic.models import Account, BlockedCall, BlockedNumber, PhoneNumber, User, Workspace
from ringtonic.models.handling import BLOCK_REASONS
from ringtonic.models.types import utcnow
from ringtonic.services.audit import record_event
from ringtonic.services.errors import Conflict, NotFound, ValidationError
from ringtonic.services.public_ids import parse_public_id
from ringtonic.services.signals import call_blocked
from ringtonic.services.telephony.phones import caller_number_or_blank, parse_phone_number
from ringtonic.text import displayable

# How long the Blocked calls log keeps an attempt.
BLOCKED_CALL_RETENTION = timedelta(days=90)
PURGE_BATCH = 5_000
NOTE_MAX = 200


@dataclass(frozen=True)
class BlockInput:
    """A number to block, checked: E.164, a known reason and a one-line note."""

    number: str
    reason: str
    note: str


def check_block_input(number: str, reason: str, note: str = "") -> BlockInput:
    """Return the checked entry; any spelling of a number becomes its E.164 form."""
    e164 = parse_phone_number(number, "number")
    if reason not in BLOCK_REASONS:
        raise ValidationError("Choose a reason from the list.", "reason")
    cleaned_note = displayable(note or "")
    if len(cleaned_note) > NOTE_MAX:
        raise ValidationError(f"Keep the note under {NOTE_MAX} characters.", "note")
    return BlockInput(e164, reason, cleaned_note)


def _add(
    entry: BlockedNumber, actor: User | None, ip: str | None, workspace: Workspace | None
) -> BlockedNumber:
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        raise Conflict("That number is already on this list.", "number") from None
    record_event(
        actor,
        "blocked_number.added",
        account_id=entry.account_id,
        workspace=workspace,
        target=entry.number,
        ip=ip,
        details={"reason": entry.reason, "scope": entry.scope},
    )
    return entry


def block_in_workspace(
    workspace: Workspace, block: BlockInput, actor: User | None, ip: str | None = None
) -> BlockedNumber:
    """Add a number to the workspace's list; raise Conflict when it is already there."""
    entry = BlockedNumber(
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        number=block.number,
        reason=block.reason,
        note=block.note,
        added_by_id=actor.id if actor else None,
    )
    return _add(entry, actor, ip, workspace)


def block_in_account(
    account: Account, block: BlockInput, actor: User | None, ip: str | None = None
) -> BlockedNumber:
    """Add a number to the account's list (every workspace); raise Conflict when listed."""
    entry = BlockedNumber(
        account_id=account.id,
        workspace_id=None,
        number=block.number,
        reason=block.reason,
        note=block.note,
        added_by_id=actor.id if actor else None,
    )
    return _add(entry, actor, ip, None)


def workspace_blocks(workspace: Workspace) -> list[BlockedNumber]:
    """Return the workspace's own list, newest first."""
    return list(
        db.session.scalars(
            select(BlockedNumber)
            .where(BlockedNumber.workspace_id == workspace.id)
            .order_by(BlockedNumber.created_at.desc(), BlockedNumber.id.desc())
        )
    )


def account_blocks(account: Account) -> list[BlockedNumber]:
    """Return the account-wide list, newest first."""
    return list(
        db.session.scalars(
            select(BlockedNumber)
            .where(BlockedNumber.account_id == account.id, BlockedNumber.workspace_id.is_(None))
            .order_by(BlockedNumber.created_at.desc(), BlockedNumber.id.desc())
        )
    )


def get_block(
    account: Account, workspace: Workspace | None, block_uuid: str | uuid.UUID
) -> BlockedNumber:
    """Return an entry of the workspace's list (or the account's, for no workspace)."""
    wanted = parse_public_id(block_uuid, "No such blocked number.")
    scope = (
        BlockedNumber.workspace_id == workspace.id
        if workspace is not None
        else BlockedNumber.workspace_id.is_(None)
    )
    entry: BlockedNumber | None = db.session.scalar(
        select(BlockedNumber).where(
            BlockedNumber.uuid == wanted, BlockedNumber.account_id == account.id, scope
        )
    )
    if entry is None:
        raise NotFound("No such blocked number.")
    return entry


def unblock(entry: BlockedNumber, actor: User | None, ip: str | None = None) -> None:
    """Remove an entry: the number's calls ring again from the next one."""
    record_event(
        actor,
        "blocked_number.removed",
        account_id=entry.account_id,
        workspace=db.session.get(Workspace, entry.workspace_id) if entry.workspace_id else None,
        target=entry.number,
        ip=ip,
        details={"scope": entry.scope},
    )
    db.session.delete(entry)
    db.session.flush()


def find_block(workspace: Workspace, caller_number: str) -> BlockedNumber | None:
    """Return the entry that blocks this caller in the workspace (its own list first)."""
    if not caller_number:
        return None  # a withheld number matches nothing
    return db.session.scalar(
        select(BlockedNumber)
        .where(
            BlockedNumber.account_id == workspace.account_id,
            BlockedNumber.number == caller_number,
            or_(
                BlockedNumber.workspace_id == workspace.id,
                BlockedNumber.workspace_id.is_(None),
            ),
        )
        # NULLs sort last on PostgreSQL and first on SQLite: order by the flag instead.
        .order_by(BlockedNumber.workspace_id.is_(None), BlockedNumber.id)
        .limit(1)
    )


def blocked_caller(workspace: Workspace, raw_caller: str | None) -> BlockedNumber | None:
    """Return the entry blocking Twilio's From (any spelling), or None."""
    return find_block(workspace, caller_number_or_blank(raw_caller or ""))


def record_blocked_call(
    workspace: Workspace,
    block: BlockedNumber,
    phone_number: PhoneNumber | None,
    tracking_number: str,
    sid: str,
    now: datetime | None = None,
) -> BlockedCall:
    """Log a refused call once per CallSid and send call_blocked for a new one."""
    existing: BlockedCall | None = db.session.scalar(
        select(BlockedCall).where(
            BlockedCall.workspace_id == workspace.id, BlockedCall.provider_call_id == sid
        )
    )
    if existing is not None:
        return existing
    attempt = BlockedCall(
        workspace_id=workspace.id,
        phone_number_id=phone_number.id if phone_number else None,
        blocked_number_id=block.id,
        caller_number=block.number,
        tracking_number=tracking_number[:16],
        provider_call_id=sid,
        scope=block.scope,
        reason=block.reason,
        attempted_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        winner: BlockedCall | None = db.session.scalar(
            select(BlockedCall).where(
                BlockedCall.workspace_id == workspace.id, BlockedCall.provider_call_id == sid
            )
        )
        if winner is None:
            raise
        return winner
    call_blocked.send(attempt, workspace=workspace)
    return attempt


def blocked_calls_page(
    workspace: Workspace, limit: int = 100, before_id: int | None = None
) -> list[BlockedCall]:
    """Return the workspace's refused calls, newest first."""
    query = select(BlockedCall).where(BlockedCall.workspace_id == workspace.id)
    if before_id is not None:
        query = query.where(BlockedCall.id < before_id)
    return list(db.session.scalars(query.order_by(BlockedCall.id.desc()).limit(limit)))


def purge_blocked_calls(now: datetime | None = None) -> int:
    """Delete refused calls older than 90 days, in short batches; return how many went.

    Idempotent: running it again at the same time deletes nothing more.
    """
    cutoff = (now or utcnow()) - BLOCKED_CALL_RETENTION
    removed = 0
    while True:
        ids = db.session.scalars(
            select(BlockedCall.id).where(BlockedCall.attempted_at < cutoff).limit(PURGE_BATCH)
        ).all()
        if not ids:
            return removed
        db.session.execute(delete(BlockedCall).where(BlockedCall.id.in_(ids)))
        # One batch per transaction: live webhooks never wait behind the purge.
        db.session.commit()
        removed += len(ids)


def is_blocked_call(workspace: Workspace, sid: str) -> bool:
    """Return whether this CallSid is a call the workspace refused (its callbacks are not calls)."""
    refused = select(BlockedCall.id).where(
        BlockedCall.workspace_id == workspace.id, BlockedCall.provider_call_id == sid
    )
    return bool(db.session.scalar(select(refused.exists())))
