"""In-process quota counters count like limits' MemoryStorage, without a timer thread."""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

from ringtonic.api import quota_storage
from ringtonic.api.quota_storage import SweptMemoryStorage


def _settled(storage):
    # Both constructors start one timer (10 ms); let it finish before counting threads.
    time.sleep(0.05)
    return storage


def test_counting_starts_no_thread():
    storage = _settled(SweptMemoryStorage())
    before = threading.active_count()

    counts = [storage.incr("key", 60) for _ in range(50)]

    assert counts == list(range(1, 51))
    assert threading.active_count() == before


def test_the_librarys_storage_would_have_started_one():
    # What the subclass exists for; if limits stops doing this, it can go.
    storage = _settled(MemoryStorage())
    before = threading.active_count()

    storage.incr("key", 60)

    assert threading.active_count() == before + 1


def test_a_counter_starts_again_when_its_window_ends():
    storage = SweptMemoryStorage()
    storage.incr("key", 0.05)
    storage.incr("key", 0.05)
    assert storage.get("key") == 2

    time.sleep(0.1)

    assert storage.get("key") == 0
    assert storage.incr("key", 60) == 1


def test_counters_nobody_reads_again_are_swept_by_a_later_count(monkeypatch):
    monkeypatch.setattr(quota_storage, "SWEEP_SECONDS", 0.0)
    storage = SweptMemoryStorage()
    storage.incr("gone", 0.05)
    time.sleep(0.1)

    storage.incr("other", 60)

    assert "gone" not in storage.storage and "gone" not in storage.expirations
    assert storage.get("other") == 1
