"""SQLite writers take turns (db.sqlite_writers) instead of sleeping in the busy handler.

Each write transaction of an app engine holds its process's turn from BEGIN IMMEDIATE to
COMMIT or ROLLBACK; the next thread or process is let in as soon as it ends, and nothing
waits for a turn its own thread holds.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ringtonic.db import engines
from ringtonic.db.sqlite_writers import QueuedWriterConnection, turn_for


@pytest.fixture
def engine(tmp_path: Path):
    """An engine tuned as the app's, on a SQLite file of its own."""
    made = create_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    engines.install(made)
    with made.begin() as conn:
        conn.execute(text("CREATE TABLE marks (who TEXT)"))
    yield made
    made.dispose()


def test_a_write_transaction_holds_the_turn_until_it_commits_or_rolls_back(engine):
    turn = turn_for(engine.url.database)
    with engine.connect() as conn:
        assert isinstance(conn.connection.driver_connection, QueuedWriterConnection)
        conn.execute(text("SELECT count(*) FROM marks"))
        assert turn.owner is None  # a read takes no turn
        conn.execute(text("INSERT INTO marks VALUES ('a')"))
        assert turn.owner == threading.get_ident()
        conn.commit()
        assert turn.owner is None
        conn.execute(text("INSERT INTO marks VALUES ('b')"))
        conn.rollback()
        assert turn.owner is None
    assert Path(engine.url.database + "-writers").exists()


def test_a_waiting_writer_goes_in_as_soon_as_the_holder_commits(engine):
    holder_in, release = threading.Event(), threading.Event()
    finished: list[float] = []

    def hold() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO marks VALUES ('holder')"))
            holder_in.set()
            release.wait(5)

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO marks VALUES ('waiter')"))
        finished.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    assert holder_in.wait(5)
    waiter = threading.Thread(target=write)
    waiter.start()
    time.sleep(0.2)
    assert not finished  # waiting for its turn, not writing beside the holder
    released_at = time.monotonic()
    release.set()
    holder.join(5)
    waiter.join(5)

    assert finished and finished[0] - released_at < 1.0
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT who FROM marks ORDER BY rowid")).scalars().all()
    assert rows == ["holder", "waiter"]


def test_a_thread_never_waits_for_the_turn_it_holds(engine):
    turn = turn_for(engine.url.database)
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO marks VALUES ('a')"))
        started = time.monotonic()
        assert turn.acquire() is False  # at once: its own turn, SQLite decides the rest
        assert time.monotonic() - started < 0.5
        conn.rollback()
    assert turn.owner is None


def _hold_in_child(url: str, holding, release) -> None:
    child = create_engine(url)
    engines.install(child)
    with child.begin() as conn:
        conn.execute(text("INSERT INTO marks VALUES ('child')"))
        holding.set()
        release.wait(5)
    child.dispose()


def test_a_writer_in_another_process_waits_for_the_holder_and_both_writes_land(engine):
    context = multiprocessing.get_context("fork")
    holding, release = context.Event(), context.Event()
    child = context.Process(target=_hold_in_child, args=(str(engine.url), holding, release))
    child.start()
    assert holding.wait(10)
    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO marks VALUES ('parent')"))
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    assert not done.wait(0.3)  # the child's transaction is still open
    release.set()
    child.join(10)
    writer.join(10)

    assert child.exitcode == 0 and done.is_set()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT who FROM marks ORDER BY rowid")).scalars().all()
    assert rows == ["child", "parent"]
