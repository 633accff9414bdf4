"""Keys taken from memory whose confirmation a revalidating view reads with its own version.

A key this worker verified before is used only while its account's key generation is the
one it was read with (`api.auth`). A revalidation (If-None-Match on a view that answers
conditionally) is not charged to the quota before the answer is known, so there is no
quota statement to carry that generation; the view reads it instead, in the statement
that reads its version, and confirms the key before answering anything: one read for a
304. When the generation moved, the key is read again (401/403 if it was revoked or lost
its plan) and the view starts again with what it is now.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g

from ringtonic.services.keys.generations import key_generation

_PENDING = "pending_key"


@dataclass(frozen=True)
class PendingKey:
    """A key from memory, not yet confirmed: its account, generation and how to reread it."""

    account_id: int
    generation: int
    reread: Callable[[], None]


class KeyChanged(Exception):
    """The key was reread because its generation moved: the view must start again."""


def defer_confirmation(pending: PendingKey) -> None:
    """Leave the key's confirmation to the view (which reads the generation itself)."""
    setattr(g, _PENDING, pending)


def confirm_key(generation: int | None = None) -> None:
    """Confirm a pending key with its account's generation (read now when not given).

    Raises KeyChanged after rereading a key whose generation moved, or the reread's
    own ApiProblem (401/403) when the key no longer works.
    """
    pending: PendingKey | None = g.pop(_PENDING, None)
    if pending is None:
        return
    if generation is None:
        generation = key_generation(pending.account_id)
    if generation != pending.generation:
        pending.reread()
        raise KeyChanged


def confirming_key(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a view whose key may be pending: confirmed before any answer leaves it."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            try:
                response = view(*args, **kwargs)
            except KeyChanged:
                raise
            except Exception:
                # An error answer (400, 404...) is given only to a key that still works.
                confirm_key()
                raise
            confirm_key()
            return response
        except KeyChanged:
            return view(*args, **kwargs)

    return wrapper
