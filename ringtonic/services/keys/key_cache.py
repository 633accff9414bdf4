"""Keys this process verified, by digest: an authenticated request needs no key read.

An entry is the key, workspace and account snapshots as one read found them, with the
account's key generation read in the same statement. A caller uses an entry only after
reading the account's current generation and finding it equal (ringtonic.services.keys
.generations); otherwise it drops the entry and reads the key again. Bounded: the least
recently used entries go first.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from ringtonic.services.keys.api_keys import ApiKeyAccess

# Each entry is a few hundred bytes; far more keys than any install uses at once.
DEFAULT_SIZE = 10_000


@dataclass(frozen=True)
class VerifiedKey:
    """What a key may act as, and the account's key generation it was read at."""

    access: ApiKeyAccess
    generation: int


class VerifiedKeys:
    """A bounded, thread-safe LRU map of key digest to VerifiedKey."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[str, VerifiedKey] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Return how many keys are held."""
        return len(self._entries)

    def get(self, digest: str) -> VerifiedKey | None:
        """Return the entry for this digest (and mark it recently used), or None."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                self._entries.move_to_end(digest)
            return entry

    def put(self, digest: str, entry: VerifiedKey) -> None:
        """Hold `entry`, dropping the least recently used one past the size."""
        if self.size <= 0:
            return
        with self._lock:
            self._entries[digest] = entry
            self._entries.move_to_end(digest)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def discard(self, digest: str) -> None:
        """Forget the entry for this digest, if any."""
        with self._lock:
            self._entries.pop(digest, None)

    def note_use(self, digest: str, used_at: datetime) -> None:
        """Record that this process wrote the key's last use, so it waits a minute again."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return
            api_key = dataclasses.replace(entry.access.api_key, last_used_at=used_at)
            access = dataclasses.replace(entry.access, api_key=api_key)
            self._entries[digest] = dataclasses.replace(entry, access=access)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
