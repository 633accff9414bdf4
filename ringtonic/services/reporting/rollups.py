"""Keeping the call rollups equal to the calls, in the same transaction as every call write.

Calls are added to the rollups with one INSERT ... SELECT ... ON CONFLICT DO UPDATE per
rollup table, which reads the calls as stored and adds their counters to every block
size at once. `counter = counter + excluded.counter` is atomic per row on SQLite and
PostgreSQL, so concurrent writers never lose an update. Changing a stored call means
taking it out, changing it, and adding it back (`recounting_calls`).

Who keeps them: ORM flushes of Call objects (hooks below), and every bulk statement on
calls, which calls these functions itself: webhook status updates (call_ingest), CSV
imports (call_import), the demo seeder (demo_data).

Calls are counted by place through the workspace's numbered places (`call_places`): a
fold that adds calls first inserts the places it has not seen yet.

PostgreSQL lock order, so rollup writers never deadlock: each statement locks its rows
in key order (ORDER BY), places first, then the place, source and time rollups;
single-call writers first take the workspace's rollup lock in shared mode, and bulk
writers that run several statements over many keys (imports, rebuilds) take it
exclusively.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, UOWTransaction, attributes, scoped_session

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber
from ringtonic.models.rollups import (
    COUNTER_COLUMNS,
    PLACE_NAMES,
    CallPlaceRollup,
    CallSourceRollup,
    CallTimeRollup,
    NumberedPlace,
)
from ringtonic.models.telephony import CALL_STATUSES
from ringtonic.services.calls.stats import (
    ANSWERED_STATUSES,
    MISSED_STATUSES,
    counted_in_reports,
    epoch_seconds,
)
from ringtonic.services.reporting.data_versions import bump_on
from ringtonic.services.reporting.rollup_blocks import PLACE_BLOCK_SIZES, SOURCE_BLOCK_SIZES

CALLS = Call.__table__
# In the order writers lock them (see above).
ROLLUPS = (CallPlaceRollup, CallSourceRollup, CallTimeRollup)
RollupModel: TypeAlias = type[CallPlaceRollup] | type[CallSourceRollup] | type[CallTimeRollup]
PLACES = NumberedPlace.__table__
# A call's place: the numbered place of its workspace with the same four names.
CALL_PLACE = and_(
    PLACES.c.workspace_id == CALLS.c.workspace_id,
    *(PLACES.c[name] == CALLS.c[name] for name in PLACE_NAMES),
)
# The fields of a call that the rollups count by; changing any other field needs no upkeep.
ROLLED_UP_FIELDS = (
    "workspace_id",
    "campaign_id",
    "phone_number_id",
    "tracking_number",
    "started_at",
    "duration_seconds",
    "status",
    "spam",
    "first_call",
    "source",
    "medium",
    "caller_city",
    "caller_state",
    "caller_zip",
    "caller_country",
)
# An arbitrary constant that names "rollups of workspace N" among PostgreSQL advisory locks.
_LOCK_NAMESPACE = 0x524F4C4C
REBUILD_CHUNK = 20_000

Progress = Callable[[int], None]


def call_key(name: str) -> ColumnElement[Any]:
    """Return the expression over the calls table that a rollup key column holds."""
    column = CALLS.c[name]
    # Rollups store a missing id as 0: NULLs never match each other in a unique key.
    return func.coalesce(column, 0) if name in ("campaign_id", "phone_number_id") else column


def rollup_key_columns(model: RollupModel) -> list[Any]:
    """Return the rollup's key after its time block, as expressions over the calls (and places)."""
    names = [column.name for column in model.__table__.primary_key.columns]
    return [
        PLACES.c.id if name == "place_id" else call_key(name)
        for name in names[names.index("campaign_id") :]
    ]


def block_sizes_of(model: RollupModel) -> Sequence[int]:
    """Return the block sizes a rollup counts calls in."""
    return PLACE_BLOCK_SIZES if model is CallPlaceRollup else SOURCE_BLOCK_SIZES


def counter_sums(sign: int) -> list[Any]:
    """Return SUM expressions for every counter column, in COUNTER_COLUMNS order."""
    first_call = CALLS.c.first_call.is_(True)
    sums = []
    for status in CALL_STATUSES:
        is_status = CALLS.c.status == status
        sums += [
            func.sum(case((is_status, sign), else_=0)),
            func.sum(case((and_(is_status, first_call), sign), else_=0)),
            func.sum(case((is_status, CALLS.c.duration_seconds * sign), else_=0)),
        ]
    return [
        *sums,
        func.sum(literal_column(str(sign), Integer)),
        func.sum(case((CALLS.c.status.in_(ANSWERED_STATUSES), sign), else_=0)),
        func.sum(case((CALLS.c.status.in_(MISSED_STATUSES), sign), else_=0)),
        func.sum(case((first_call, sign), else_=0)),
        func.sum(CALLS.c.duration_seconds * sign),
    ]


# Which calls a fold reads: listed ids, or a workspace's calls in an id range (rebuilds);
# spam never counts, so marking a call as spam (recounting it) takes it out of the reports.
_SELECTIONS = {
    "ids": lambda: and_(
        CALLS.c.id.in_(bindparam("call_ids", expanding=True)), counted_in_reports()
    ),
    "id_range": lambda: and_(
        CALLS.c.workspace_id == bindparam("workspace_id"),
        CALLS.c.id >= bindparam("first_id"),
        CALLS.c.id <= bindparam("last_id"),
        counted_in_reports(),
    ),
}


@functools.lru_cache(maxsize=32)
def _fold_statement(
    model: RollupModel, selection: str, sign: int, dialect: str
) -> postgresql.Insert | sqlite.Insert:
    """Build, once, the upsert that adds (sign 1) or removes (sign -1) the selected calls.

    Built once per process: constructing this statement costs far more than running it
    for the one call a webhook writes.
    """
    sizes = union_all(
        *(
            select(literal_column(str(size), Integer).label("size"))
            for size in block_sizes_of(model)
        )
    ).subquery("sizes")
    key = [
        CALLS.c.workspace_id,
        sizes.c.size,
        epoch_seconds(CALLS.c.started_at) // sizes.c.size * sizes.c.size,
        *rollup_key_columns(model),
    ]
    calls = CALLS.join(PLACES, CALL_PLACE) if model is CallPlaceRollup else CALLS
    rows = (
        select(*key, *counter_sums(sign))
        .select_from(calls.join(sizes, true()))
        .where(_SELECTIONS[selection]())
        .group_by(*key)
        # Primary-key order: concurrent writers lock shared rows in the same order.
        .order_by(*key)
    )
    table = model.__table__
    key_names = [column.name for column in table.primary_key.columns]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).from_select([*key_names, *COUNTER_COLUMNS], rows)
    return statement.on_conflict_do_update(
        index_elements=key_names,
        set_={name: table.c[name] + statement.excluded[name] for name in COUNTER_COLUMNS},
    )


@functools.lru_cache(maxsize=8)
def new_places_statement(selection: str, dialect: str) -> postgresql.Insert | sqlite.Insert:
    """Build, once, the insert that numbers the places of the selected calls not yet numbered."""
    names = [CALLS.c.workspace_id, *(CALLS.c[name] for name in PLACE_NAMES)]
    # NOT EXISTS, not only ON CONFLICT: on PostgreSQL a conflicting row still takes a
    # number from the sequence, and every webhook would burn one.
    unseen = (
        select(*names)
        .distinct()
        .where(_SELECTIONS[selection](), ~select(PLACES.c.id).where(CALL_PLACE).exists())
        .order_by(*names)
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(PLACES).from_select(["workspace_id", *PLACE_NAMES], unseen)
    # Two writers may number the same new place at once: the second one keeps the first's.
    return statement.on_conflict_do_nothing(index_elements=["workspace_id", *PLACE_NAMES])


def _fold(connection: Connection, selection: str, sign: int, **params: Any) -> None:
    if sign > 0:
        connection.execute(new_places_statement(selection, connection.dialect.name), params)
    for model in ROLLUPS:
        statement = _fold_statement(model, selection, sign, connection.dialect.name)
        connection.execute(statement, params)


def _lock(connection: Connection, workspace_ids: Iterable[int], shared: bool) -> None:
    """Take the rollup locks, then bump the report data versions (every call writer does)."""
    if connection.dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
        for workspace_id in sorted(set(workspace_ids)):
            connection.execute(select(lock(_LOCK_NAMESPACE, workspace_id)))
    # After the advisory lock and before any rollup row: one order for every writer.
    bump_on(connection, workspace_ids)


def share_rollup_lock(*workspace_ids: int) -> None:
    """Take these workspaces' rollup locks in shared mode, before writing calls."""
    _lock(db.session.connection(), workspace_ids, shared=True)


def lock_rollups(*workspace_ids: int) -> None:
    """Take these workspaces' rollup locks exclusively, before a bulk change of their calls."""
    _lock(db.session.connection(), workspace_ids, shared=False)


def add_calls(call_ids: Sequence[int]) -> None:
    """Count the stored calls with these ids into the rollups."""
    if call_ids:
        _fold(db.session.connection(), "ids", 1, call_ids=list(call_ids))


def remove_calls(call_ids: Sequence[int]) -> None:
    """Take the stored calls with these ids out of the rollups (before deleting them)."""
    if call_ids:
        _fold(db.session.connection(), "ids", -1, call_ids=list(call_ids))


@contextmanager
def recounting_calls(call_ids: Sequence[int]) -> Iterator[None]:
    """Around a bulk UPDATE of these calls: take them out first, add them back after."""
    if call_ids:
        # Lock the rows first (PostgreSQL), so nobody changes them between out and back in.
        db.session.execute(select(CALLS.c.id).where(CALLS.c.id.in_(call_ids)).with_for_update())
    remove_calls(call_ids)
    yield
    add_calls(call_ids)


def clear_rollups(workspace_ids: Sequence[int]) -> None:
    """Delete the rollups and places of these workspaces (when all their calls are deleted)."""
    for model in (*ROLLUPS, NumberedPlace):
        db.session.execute(delete(model).where(model.workspace_id.in_(workspace_ids)))


def stored_call_count(workspace_id: int) -> int:
    """Return how many calls a workspace has (what a rebuild will count)."""
    return db.session.scalar(select(func.count()).where(CALLS.c.workspace_id == workspace_id)) or 0


def rebuild_rollups(workspace_id: int, progress: Progress | None = None) -> int:
    """Recount a workspace's rollups from its calls; return how many calls were counted."""
    lock_rollups(workspace_id)
    clear_rollups([workspace_id])
    connection = db.session.connection()
    in_workspace = CALLS.c.workspace_id == workspace_id
    counted, after = 0, 0
    while True:
        ids = db.session.scalars(
            select(CALLS.c.id)
            .where(in_workspace, CALLS.c.id > after)
            .order_by(CALLS.c.id)
            .limit(REBUILD_CHUNK)
        ).all()
        if not ids:
            return counted
        _fold(
            connection, "id_range", 1, workspace_id=workspace_id, first_id=ids[0], last_id=ids[-1]
        )
        counted += len(ids)
        after = ids[-1]
        if progress is not None:
            progress(len(ids))


def _rolled_up_fields_changed(call: Call) -> bool:
    state = attributes.instance_state(call)
    return any(state.attrs[name].history.has_changes() for name in ROLLED_UP_FIELDS)


_PENDING = "ringtonic.rollups.pending"


def install(session: scoped_session[Any]) -> None:
    """Keep the rollups right on every ORM flush of `session` (the app's scoped session)."""
    for name, listener in (
        ("before_flush", _take_out_changed_calls),
        ("after_flush", _add_written_calls),
    ):
        if not event.contains(session, name, listener):
            event.listen(session, name, listener)


def _take_out_changed_calls(
    session: Session, _flush_context: UOWTransaction, _instances: object
) -> None:
    """Before an ORM flush: take out calls about to change or go; note what to add after."""
    changed = [c for c in session.dirty if isinstance(c, Call) and _rolled_up_fields_changed(c)]
    gone = [c for c in session.deleted if isinstance(c, Call)]
    added = [c for c in session.new if isinstance(c, Call)]
    session.info[_PENDING] = changed + added
    # Reports name campaigns and numbers: changing one changes its workspace's reports.
    named = [
        o.workspace_id
        for o in (*session.new, *session.dirty, *session.deleted)
        if isinstance(o, Campaign | PhoneNumber) and o.workspace_id is not None
    ]
    if not (changed or gone or added or named):
        return
    connection = session.connection()
    _lock(connection, [c.workspace_id for c in changed + gone + added] + named, shared=True)
    stored = [c.id for c in changed + gone]
    if stored:
        _fold(connection, "ids", -1, call_ids=stored)


def _add_written_calls(session: Session, _flush_context: UOWTransaction) -> None:
    """After an ORM flush: add the calls just inserted or changed."""
    written = [c.id for c in session.info.pop(_PENDING, ()) if c.id is not None]
    if written:
        _fold(session.connection(), "ids", 1, call_ids=written)
