"""Domain signals (blinker) that let one service react to another without importing it."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by team.remove_member inside the removal's transaction, with the removed User as
# sender and keyword arguments actor (User | None), revoke_keys (bool) and ip (str | None).
# Receivers change rows in the same session, so what they do commits or rolls back with
# the removal; they must not commit.
member_removed = _signals.signal("member-removed")
