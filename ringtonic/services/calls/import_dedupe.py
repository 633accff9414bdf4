"""Which rows of an imported file are calls the workspace already has, and ids for rows without.

A row is a call already here when any of its ids is stored in the workspace or came earlier in
the file: its Ring Tonic ID (this workspace's calls only: another workspace's call is a new
call here, and whether it exists is never looked up), its provider call id or its external id.
The last two match either stored id, since Twilio's call logs carry the CallSid as their id.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import QueryableAttribute

from ringtonic.extensions import db
from ringtonic.models import Call, Workspace

LOOKUP_BATCH = 500


class FileCall(Protocol):
    """What matching needs of a call read from a file."""

    started_at: datetime
    caller_number: str
    tracking_number: str
    duration_seconds: int
    status: str
    external_id: str
    provider_call_id: str | None
    ringtonic_id: uuid.UUID | None


Row = TypeVar("Row", bound=FileCall)


def derived_external_id(key: str, occurrence: int) -> str:
    """Return a stable id for the `occurrence`-th row of the file with this content and no id.

    The first occurrence keeps the plain hash of the content, which is what earlier imports
    stored, so files imported before still match.
    """
    if occurrence > 1:
        key = f"{key}|{occurrence}"
    return "csv-" + hashlib.sha256(key.encode()).hexdigest()[:40]


class DerivedIds:
    """Gives the file's rows without an external id one derived from their content.

    Identical rows are distinct calls (four withheld callers in the same second), so each
    gets its place among the rows of equal content; the same file imported again yields the
    same ids and adds nothing. A row repeating a Ring Tonic ID is the same call again.
    """

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.occurrence_of: dict[tuple[str, uuid.UUID], int] = {}

    def next_for(self, call: FileCall) -> str:
        """Return the id for this row."""
        key = "|".join(
            (
                call.started_at.isoformat(),
                call.caller_number,
                call.tracking_number,
                str(call.duration_seconds),
                call.status,
            )
        )
        if call.ringtonic_id is None:
            self.seen[key] += 1
            return derived_external_id(key, self.seen[key])
        repeat = (key, call.ringtonic_id)
        if repeat not in self.occurrence_of:
            self.seen[key] += 1
            self.occurrence_of[repeat] = self.seen[key]
        return derived_external_id(key, self.occurrence_of[repeat])


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _stored(column: QueryableAttribute[Any], workspace: Workspace, values: set[Any]) -> set[Any]:
    """Return which of `values` the workspace's calls hold in `column`."""
    found: set[Any] = set()
    for chunk in _chunks(sorted(values), LOOKUP_BATCH):
        found.update(
            db.session.scalars(
                select(column).where(Call.workspace_id == workspace.id, column.in_(chunk))
            )
        )
    return found


def drop_known(workspace: Workspace, calls: list[Row]) -> tuple[list[Row], int]:
    """Return the calls not already in the workspace or earlier in the list, and how many were."""
    ids = {call.external_id for call in calls}
    ids.update(call.provider_call_id for call in calls if call.provider_call_id)
    seen_ids = _stored(Call.external_id, workspace, ids) | _stored(
        Call.provider_call_id, workspace, ids
    )
    uuids = {call.ringtonic_id for call in calls if call.ringtonic_id}
    seen_uuids = _stored(Call.uuid, workspace, uuids)
    fresh = []
    for call in calls:
        own = {call.external_id, call.provider_call_id} - {None}
        if not (own & seen_ids or call.ringtonic_id in seen_uuids):
            fresh.append(call)
        seen_ids |= own
        if call.ringtonic_id:
            seen_uuids.add(call.ringtonic_id)
    return fresh, len(calls) - len(fresh)
