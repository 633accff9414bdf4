"""SQLite backups: a consistent copy of a database in use, checked, and restoring one.

The copy is made with SQLite's online backup API in a single step, which reads one
snapshot of the database: rows committed before it began are in the copy, writes that
land during it are not, and writers are never blocked (WAL mode).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from ringtonic.services.errors import Conflict, ValidationError

POSTGRESQL_ADVICE = (
    "db backup and db restore copy SQLite databases. For PostgreSQL use its own tools, "
    "with DATABASE_URL written as postgresql://... (without +psycopg): "
    "pg_dump --format=custom --file=ringtonic.dump URL to back up, and "
    "pg_restore --clean --if-exists --dbname=URL ringtonic.dump to restore."
)
# How long to wait for a writer's lock before giving up (the app's busy_timeout too).
LOCK_TIMEOUT_SECONDS = 15
# Present in every Ring Tonic database: the migration history.
REQUIRED_TABLE = "alembic_version"


def sqlite_file(database_url: str) -> Path:
    """Return the file of a SQLite database URL, or explain what to use instead."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise ValidationError(POSTGRESQL_ADVICE, "database")
    if not url.database or url.database == ":memory:":
        raise ValidationError("The database is in memory: there is no file to back up.")
    return Path(url.database)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)


def integrity_problems(path: Path) -> list[str]:
    """Return what PRAGMA integrity_check reports for the file ([] when it is sound)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return [] if rows == ["ok"] else rows


def backup_database(source: Path, target: Path) -> int:
    """Copy the live database at `source` to the new file `target`; return its size."""
    if not source.is_file():
        raise ValidationError(f"There is no database at {source}.", "database")
    if target.exists():
        raise Conflict(f"{target} already exists; choose a new file name.", "path")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(_connect(source)) as live, closing(_connect(partial)) as copy:
            # pages=-1: the whole database in one step, so one snapshot is copied.
            live.backup(copy, pages=-1)
            # A standalone file: no -wal/-shm companions when it is opened later.
            copy.execute("PRAGMA journal_mode=DELETE")
        problems = integrity_problems(partial)
        if problems:
            raise ValidationError(f"The copy failed its integrity check: {problems[:3]}", "path")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def check_backup(backup: Path) -> None:
    """Raise ValidationError unless `backup` is a sound Ring Tonic database."""
    problems = integrity_problems(backup)
    if problems:
        raise ValidationError(f"{backup} is not a sound SQLite database: {problems[:3]}", "path")
    with closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (REQUIRED_TABLE,)
        ).fetchone()
    if found is None:
        raise ValidationError(f"{backup} is not a Ring Tonic database (no migrations).", "path")


def restore_database(backup: Path, target: Path) -> None:
    """Replace every page of the database at `target` with the backup's, in one step."""
    check_backup(backup)
    with closing(_connect(backup)) as source, closing(_connect(target)) as live:
        # The backup API takes the target's write lock: running requests finish first,
        # later ones see the restored data.
        source.backup(live, pages=-1)
        live.execute("PRAGMA journal_mode=WAL")
