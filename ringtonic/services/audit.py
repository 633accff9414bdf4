"""Recording audit events."""

from __future__ import annotations

from typing import Any

from ringtonic.extensions import db
from ringtonic.models import AuditEvent, User, Workspace


def record_event(
    actor: User | None,
    action: str,
    *,
    account_id: int,
    target: str = "",
    ip: str | None = None,
    workspace: Workspace | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction."""
    event = AuditEvent(
        account_id=account_id,
        workspace_id=workspace.id if workspace else None,
        actor_id=actor.id if actor else None,
        action=action,
        target=target[:200],
        ip=ip[:45] if ip else None,
        details=details or {},
    )
    db.session.add(event)
    return event
