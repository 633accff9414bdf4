"""Per-workspace report data versions: what a report's ETag is derived from.

Every write that changes what the reports count (calls, their rollups, the campaign and
number names they are grouped by) bumps its workspace's version in the same transaction:
the rollup writers do it when they take the workspace's rollup lock, and campaign and
number changes do it from the ORM flush hook below. Website visits are left out on
purpose: the tracker's hot path gets no extra write; a report reads their count and
newest id from the visits' period index beside this version (`report_versions`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ringtonic.db.reads import PreparedRows
from ringtonic.extensions import db
from ringtonic.models import WorkspaceDataVersion
from ringtonic.models.types import utcnow

_VERSIONS = WorkspaceDataVersion.__table__


@functools.lru_cache(maxsize=2)
def _bump_statement(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """Build, once, the upsert that adds one to a workspace's version."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_VERSIONS).values(
        workspace_id=bindparam("workspace_id"),
        version=1,
        changed_at=bindparam("now", type_=_VERSIONS.c.changed_at.type),
    )
    return statement.on_conflict_do_update(
        index_elements=["workspace_id"],
        set_={"version": _VERSIONS.c.version + 1, "changed_at": statement.excluded.changed_at},
    )


def bump_on(connection: Connection, workspace_ids: Iterable[int]) -> None:
    """Bump these workspaces' versions on `connection` (in key order: no deadlocks)."""
    now = utcnow()
    statement = _bump_statement(connection.dialect.name)
    for workspace_id in sorted(set(workspace_ids)):
        connection.execute(statement, {"workspace_id": workspace_id, "now": now})


def bump_data_version(*workspace_ids: int) -> None:
    """Note in the current transaction that these workspaces' report inputs changed."""
    bump_on(db.session.connection(), workspace_ids)


# Read outside any transaction (the read gateway), as the reports themselves are.
_VERSION = PreparedRows(
    select(_VERSIONS.c.version, _VERSIONS.c.changed_at).where(
        _VERSIONS.c.workspace_id == bindparam("workspace_id")
    )
)


def data_version(workspace_id: int) -> tuple[int, datetime | None]:
    """Return a workspace's (version, change time); (0, None) before its first change."""
    rows = _VERSION.all(db.engine, {"workspace_id": workspace_id})
    return rows[0] if rows else (0, None)
