"""Domain signals (blinker) that let one service react to another without importing it."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by team.remove_member inside the removal's transaction, with the removed User as
# sender and keyword arguments actor (User | None), revoke_keys (bool) and ip (str | None).
# Receivers change rows in the same session, so what they do commits or rolls back with
# the removal; they must not commit.
member_removed = _signals.signal("member-removed")

# Sent by team.change_role inside the change's transaction, with the User as sender and
# keyword arguments actor (User | None), previous and role (role names) and ip. Receivers
# return how many of the person's things they changed (counted in the audit event); they
# change rows in the same session and must not commit.
member_role_changed = _signals.signal("member-role-changed")

# Sent by handling.blocks.record_blocked_call inside the webhook's transaction, with the
# BlockedCall as sender and keyword argument workspace. Receivers (the webhook outbox)
# add rows to the same session and must not commit.
call_blocked = _signals.signal("call-blocked")
