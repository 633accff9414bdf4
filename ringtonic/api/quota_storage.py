"""In-process quota counters without a timer thread: limits' MemoryStorage, swept inline.

limits' MemoryStorage drops expired counters from a timer thread that it starts again
10 ms after the last one, whenever a counter changes. On a busy worker every API request
changes counters, so a thread was started every few requests; starting one waits for
it to run, and the sweeps competed with requests for the interpreter (about a tenth of
a worker's time serving GET /api/v1/me). Fixed windows never needed it: reading a
counter already drops it once its window ended. Counters nobody reads again are swept
by a request instead, at most once every SWEEP_SECONDS.
"""

from __future__ import annotations

import time

from limits.storage import MemoryStorage

SWEEP_SECONDS = 60.0


class SweptMemoryStorage(MemoryStorage):
    """MemoryStorage whose expired counters are swept by the requests that count."""

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    # MemoryStorage calls this (by its private name) whenever a counter changes; the
    # original starts the timer thread.
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()
