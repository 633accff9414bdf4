"""SQLite writers queued in each process and across processes, instead of in SQLite's busy handler.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps
1, 2, 5, 10, 15... milliseconds between tries. A write transaction of the app lasts a
fraction of a millisecond, so under concurrent writers (gunicorn's threads and workers)
most of a write's time was spent asleep after the lock was already free. Here every write
transaction of the app's engine first takes its turn: a lock per database in the process
(threads hand over at once), then a `flock` on a file beside the database (the kernel
hands over to the next process at once). The turn is released right after COMMIT or
ROLLBACK.

The turn only orders writers: SQLite's own write lock still decides who writes, so
exactness does not depend on it. A writer that cannot get its turn within the busy
timeout (a long transaction elsewhere, a file that cannot be created) goes on to BEGIN
IMMEDIATE without it, as before; a thread that already holds the turn (a second write
connection in the same thread) does not wait for itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

# As long as SQLite's busy timeout: past it a writer goes on without its turn.
TURN_TIMEOUT_SECONDS = 15.0
# Another process holds the file lock: try again after these pauses (short: the holder's
# transaction takes a fraction of a millisecond), never longer than the last.
_FILE_LOCK_PAUSES = (0.00005, 0.0001, 0.0002, 0.0005)


class _Turn:
    """Whose turn it is to write to one database file: a thread lock and a file lock."""

    def __init__(self, lock_path: str) -> None:
        self.lock_path = lock_path
        self.thread_lock = threading.Lock()
        self.owner: int | None = None
        self.fd: int | None = None
        self.file_lock_failed = False

    def _file_descriptor(self) -> int | None:
        if self.fd is None and not self.file_lock_failed:
            try:
                self.fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                # A read-only directory: threads still queue; processes use the busy handler.
                self.file_lock_failed = True
        return self.fd

    def acquire(self) -> bool:
        """Wait for this thread's turn (at most TURN_TIMEOUT_SECONDS); False: go without."""
        me = threading.get_ident()
        if self.owner == me:
            return False
        deadline = time.monotonic() + TURN_TIMEOUT_SECONDS
        if not self.thread_lock.acquire(timeout=TURN_TIMEOUT_SECONDS):
            return False
        fd = self._file_descriptor()
        if fd is not None and not self._lock_file(fd, deadline):
            self.thread_lock.release()
            return False
        self.owner = me
        return True

    @staticmethod
    def _lock_file(fd: int, deadline: float) -> bool:
        pauses = iter(_FILE_LOCK_PAUSES)
        pause = 0.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
            except OSError:
                # A file system without flock: the busy handler orders the processes.
                return True
            pause = next(pauses, pause)
            time.sleep(pause)

    def release(self) -> None:
        """End this thread's turn: the next thread, or the next process, writes."""
        self.owner = None
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.thread_lock.release()


_turns: dict[str, _Turn] = {}
_turns_lock = threading.Lock()


def _forget_turns_after_fork() -> None:
    """Give a forked child (a gunicorn worker of a preloaded app) turns of its own."""
    # A file lock on the open file it shares with its parent would not keep the two
    # apart, and a thread lock held at the fork would never be released in the child.
    global _turns_lock
    _turns.clear()
    _turns_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_turns_after_fork)


def turn_for(database: str) -> _Turn:
    """Return the process's turn for a database file (one per file, whatever the engine)."""
    path = str(Path(database).resolve())
    with _turns_lock:
        turn = _turns.get(path)
        if turn is None:
            turn = _turns[path] = _Turn(path + "-writers")
        return turn


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions wait for their turn (sqlite3's factory)."""

    turn: _Turn | None = None
    _holding = False

    def begin_immediate(self) -> None:
        """Take this process's turn to write, then BEGIN IMMEDIATE."""
        turn = self.turn
        self._holding = turn.acquire() if turn is not None else False
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._end_turn()
            raise

    def _end_turn(self) -> None:
        if self._holding:
            self._holding = False
            if self.turn is not None:
                self.turn.release()

    def commit(self) -> None:
        """Commit, then hand the turn to the next writer."""
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        """Roll back, then hand the turn to the next writer."""
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        """Close (which ends any transaction), then hand the turn on."""
        try:
            super().close()
        finally:
            self._end_turn()
