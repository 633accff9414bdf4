"""names unique by comparison form

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 07:00:00

Workspace names (per account) and campaign names (per workspace) were kept unique by
comparing lower(name): ASCII-only on SQLite, so "Ärzte Köln" twice passed the check and
hit the exact-name unique constraint (a server error), and "ÄRZTE KÖLN" or a copy with a
zero-width space passed everywhere. Each row now stores `name_key`, the SHA-256 of the
name's NFKC case-folded form, under a unique index that holds under concurrent saves.

Existing rows get their key here. Names that were already the same by the new rule
(possible on SQLite, and through look-alike spellings anywhere) keep the oldest row as it
is; each later one gets " (2)", " (3)"... appended, and the migration logs every rename.
"""

import hashlib
import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
NAME_MAX = 100
# Frozen copy of ringtonic/text.py's comparison form as of this revision.
_IGNORABLE_MARKS = frozenset(
    ["\u034f", "\u180b", "\u180c", "\u180d", "\u180f"] + [chr(c) for c in range(0xFE00, 0xFE10)]
)
# (table, the column a name is unique within, index name)
TABLES = (
    ("workspaces", "account_id", "uq_workspaces_account_name_key"),
    ("campaigns", "workspace_id", "uq_campaigns_workspace_name_key"),
)


def _key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    kept = "".join(
        char
        for char in folded
        if char not in _IGNORABLE_MARKS and unicodedata.category(char) != "Cf"
    )
    return hashlib.sha256(" ".join(kept.split()).encode("utf-8")).hexdigest()


def _renamed(name: str, taken: set[str]) -> tuple[str, str]:
    """Return the first free "name (n)" and its key, cut to fit the column."""
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = name[: NAME_MAX - len(suffix)] + suffix
        key = _key(candidate)
        if key not in taken:
            return candidate, key
        n += 1


def _backfill(table_name: str, scope: str) -> None:
    bind = op.get_bind()
    table = sa.table(
        table_name, sa.column("id"), sa.column(scope), sa.column("name"), sa.column("name_key")
    )
    rows = bind.execute(sa.select(table.c.id, table.c[scope], table.c.name).order_by(table.c.id))
    taken: dict[int, set[str]] = {}
    for row_id, owner, name in rows.all():
        keys = taken.setdefault(owner, set())
        key = _key(name)
        values = {"name_key": key}
        if key in keys:
            new_name, key = _renamed(name, keys)
            values = {"name": new_name, "name_key": key}
            log.warning(
                "%s row %s: name %r is the same as an older one's; renamed to %r",
                table_name,
                row_id,
                name,
                new_name,
            )
        keys.add(key)
        bind.execute(sa.update(table).where(table.c.id == row_id).values(**values))


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, scope, index in TABLES:
        # NOT NULL with a placeholder default: SQLite can add such a column in place
        # (no table rebuild under the foreign keys that point at workspaces).
        op.add_column(
            table, sa.Column("name_key", sa.String(length=64), nullable=False, server_default="")
        )
        _backfill(table, scope)
        if postgresql:
            op.alter_column(table, "name_key", server_default=None)
        op.create_index(index, table, [scope, "name_key"], unique=True)


def downgrade():
    for table, _scope, index in TABLES:
        op.drop_index(index, table_name=table)
        op.drop_column(table, "name_key")
