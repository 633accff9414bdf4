"""Key generations: what tells every worker that a key it cached may have changed.

Each worker keeps the keys it verified in memory (ringtonic.services.keys.key_cache). A
cached key is used only while its account's generation is still the one it was read
with; every change that can alter what a key may do bumps that generation in the same
transaction as the change. The bump comes from the ORM flush hook below, so any service
that revokes a key, changes its abilities or name, moves or renames a workspace or
changes an account's plan or name bumps it without knowing about caches. The
generation lives in the database, not in Redis even when REDIS_URL is set: only there
can it be bumped in the change's own transaction (a bump in Redis before the commit
could be read, and a stale key cached again, before the change is visible; one after
the commit leaves a window where a revoked key still works). Writes that bypass the ORM
(Core UPDATE or DELETE on keys, workspaces or accounts) must call bump_key_generations.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Insert, bindparam, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, attributes, scoped_session
from sqlalchemy.sql.selectable import ScalarSelect

from ringtonic.db.reads import PreparedRead
from ringtonic.extensions import db
from ringtonic.models import Account, ApiKey, ApiKeyGeneration, Workspace

_GENERATIONS = ApiKeyGeneration.__table__
# Columns whose change a cached key would miss: what the key snapshots hold, less the
# last use, which is written often, outside the ORM, and only ever moves forward.
WATCHED = {
    ApiKey: frozenset(
        {"uuid", "workspace_id", "name", "hint", "abilities", "revoked_at", "digest"}
    ),
    Workspace: frozenset({"uuid", "account_id", "name", "time_zone"}),
    Account: frozenset({"name", "plan"}),
}


@functools.lru_cache(maxsize=2)
def _bump_statement(dialect: str) -> Insert:
    """Build, once, the upsert that adds one to an account's key generation."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_GENERATIONS).values(account_id=bindparam("account_id"), generation=1)
    return statement.on_conflict_do_update(
        index_elements=["account_id"], set_={"generation": _GENERATIONS.c.generation + 1}
    )


def bump_key_generations(connection: Connection, account_ids: Iterable[int]) -> None:
    """Bump these accounts' key generations on `connection` (in key order: no deadlocks)."""
    statement = _bump_statement(connection.dialect.name)
    for account_id in sorted(set(account_ids)):
        connection.execute(statement, {"account_id": account_id})


def generation_of_account(account_id_column: Any) -> ScalarSelect[Any]:
    """Return the scalar read of an account's generation (0 before its first change)."""
    return (
        select(func.coalesce(func.max(_GENERATIONS.c.generation), 0))
        .where(_GENERATIONS.c.account_id == account_id_column)
        .scalar_subquery()
    )


# The generation to embed in another statement (the quota charge), by account id.
GENERATION_BY_ACCOUNT = generation_of_account(bindparam("generation_account_id"))
_GENERATION_READ = PreparedRead(lambda: select(GENERATION_BY_ACCOUNT))


def key_generation(account_id: int) -> int:
    """Return the account's current key generation, read outside any transaction."""
    row = _GENERATION_READ.one_or_none(db.engine, generation_account_id=account_id)
    return int(row[0]) if row else 0


def _changed(instance: object, names: frozenset[str]) -> bool:
    state = attributes.instance_state(instance)
    return any(state.attrs[name].history.has_changes() for name in names)


def _account_of(session: Session, instance: object) -> int | None:
    if isinstance(instance, Account):
        return instance.id
    if isinstance(instance, Workspace):
        state = attributes.instance_state(instance)
        # A workspace moved to another account changes both.
        before = state.attrs["account_id"].history.deleted
        return before[0] if before and before[0] is not None else instance.account_id
    if isinstance(instance, ApiKey):
        workspace = session.get(Workspace, instance.workspace_id)
        return workspace.account_id if workspace is not None else None
    return None


def _bump_for_changed_keys(session: Session, _flush_context: object, _instances: object) -> None:
    """Before an ORM flush: bump the generation of every account whose keys may change."""
    accounts: set[int] = set()
    for instance in (*session.dirty, *session.deleted):
        names = WATCHED.get(type(instance))
        if names is None:
            continue
        if instance in session.dirty and not _changed(instance, names):
            continue
        account_id = _account_of(session, instance)
        if account_id is not None:
            accounts.add(account_id)
        if isinstance(instance, Workspace) and instance.account_id is not None:
            accounts.add(instance.account_id)
    if accounts:
        bump_key_generations(session.connection(), accounts)


def install(session: scoped_session[Any]) -> None:
    """Bump key generations on every ORM flush of `session` (the app's scoped session)."""
    if not event.contains(session, "before_flush", _bump_for_changed_keys):
        event.listen(session, "before_flush", _bump_for_changed_keys)
