"""`flask db backup` and `flask db restore` on a SQLite file (whatever the suite's database)."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from flask_migrate import upgrade

from ringtonic import create_app
from ringtonic.extensions import db
from ringtonic.services.backups import integrity_problems
from tests.support.web_client import TEST_SECRET

PREFILLED = 20_000
INSERT = "INSERT INTO accounts (uuid, name, plan, created_at) VALUES (?, ?, 'indie', ?)"


def _account_row(name: str) -> tuple[str, str, str]:
    return (uuid.uuid4().hex, name, "2024-01-01 00:00:00.000000")


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on its own migrated SQLite file, already holding many accounts."""
    path = tmp_path / "live.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(INSERT, [_account_row(f"Old {n}") for n in range(PREFILLED)])
    app.database_path = path
    return app


def names_in(path: Path, pattern: str) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {
            row[0] for row in conn.execute("SELECT name FROM accounts WHERE name LIKE ?", [pattern])
        }


class Writer(threading.Thread):
    """Commits one account after another, remembering how many are committed."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.committed = 0
        self.stop = threading.Event()

    def run(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=15, isolation_level=None)) as conn:
            conn.execute("PRAGMA busy_timeout=15000")
            while not self.stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(INSERT, _account_row(f"Live {self.committed}"))
                conn.execute("COMMIT")
                self.committed += 1


def test_backup_under_write_load_is_sound_and_holds_every_row_committed_before_it(
    sqlite_app, tmp_path
):
    writer = Writer(sqlite_app.database_path)
    writer.start()
    while writer.committed < 200:
        threading.Event().wait(0.01)
    committed_before = writer.committed
    target = tmp_path / "backup.sqlite3"
    result = sqlite_app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    committed_after = writer.committed
    writer.stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    assert integrity_problems(target) == []
    assert len(names_in(target, "Old %")) == PREFILLED
    live = names_in(target, "Live %")
    assert {f"Live {n}" for n in range(committed_before)} <= live
    assert len(live) <= committed_after
    # The writer kept going after the copy; the live database has more than the copy.
    assert writer.committed > committed_before
    assert len(names_in(sqlite_app.database_path, "Live %")) == writer.committed
    # The copy is a database the app opens as it is.
    backup_app = create_app({**sqlite_app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"})
    with backup_app.app_context():
        assert db.session.execute(db.text("SELECT count(*) FROM accounts")).scalar() == (
            PREFILLED + len(live)
        )
        db.engine.dispose()


def test_backup_never_overwrites_a_file(sqlite_app, tmp_path):
    target = tmp_path / "taken.sqlite3"
    target.write_bytes(b"precious")
    result = sqlite_app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert target.read_bytes() == b"precious"


def test_restore_asks_first_and_keeps_the_replaced_data(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    backup = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["db", "backup", str(backup)]).exit_code == 0
    with closing(sqlite3.connect(sqlite_app.database_path)) as conn, conn:
        conn.execute(INSERT, _account_row("After the backup"))

    declined = runner.invoke(args=["db", "restore", str(backup)], input="n\n")
    assert declined.exit_code == 1 and "Replace ALL data" in declined.output
    assert names_in(sqlite_app.database_path, "After%") == {"After the backup"}

    restored = runner.invoke(args=["db", "restore", str(backup)], input="y\n")
    assert restored.exit_code == 0, restored.output
    assert names_in(sqlite_app.database_path, "After%") == set()
    assert len(names_in(sqlite_app.database_path, "Old %")) == PREFILLED
    aside = next(tmp_path.glob("live.sqlite3.before-restore-*"))
    assert names_in(aside, "After%") == {"After the backup"}
    assert str(aside) in restored.output


def test_restore_refuses_a_file_that_is_not_a_ring_tonic_database(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    for path, reason in ((junk, "is not a sound SQLite database"), (other, "not a Ring Tonic")):
        result = runner.invoke(args=["db", "restore", "--yes", str(path)])
        assert result.exit_code == 1 and reason in result.output
    assert len(names_in(sqlite_app.database_path, "Old %")) == PREFILLED


def test_postgresql_databases_are_pointed_to_pg_dump(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://ringtonic@db.internal/ringtonic",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    runner = app.test_cli_runner()
    for args in (["db", "backup", str(tmp_path / "x")], ["db", "restore", "--yes", __file__]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert not (tmp_path / "x").exists()
