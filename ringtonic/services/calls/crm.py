"""CRM write-back: the note, tags, lead status and value an integration keeps on a call."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ringtonic.models import LEAD_STATUSES, Call, User, Workspace
from ringtonic.services.audit import record_event
from ringtonic.services.calls.queries import get_call
from ringtonic.services.errors import InvalidFields, ValidationError
from ringtonic.services.webhooks.call_events import fields_changed

NOTE_MAX = 10_000
TAGS_MAX = 50
TAG_MAX = 50
# Up to ten whole digits and two decimals: what Numeric(12, 2) holds, never a float.
# ASCII digits only: \d and Decimal() would take "١٢٣" or "１２３" and silently store 123.
_VALUE_RE = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")


def _has_controls(value: str, allowed: str = "") -> bool:
    return any((ord(ch) < 32 or ord(ch) == 127) and ch not in allowed for ch in value)


def check_note(raw: object) -> str:
    """Return the note or raise ValidationError."""
    if not isinstance(raw, str):
        raise ValidationError('note must be a string ("" clears it).', "note")
    if len(raw) > NOTE_MAX:
        raise ValidationError(f"note must be at most {NOTE_MAX:,} characters.", "note")
    if _has_controls(raw, allowed="\t\n\r"):
        raise ValidationError("note cannot contain control characters.", "note")
    return raw


def check_tags(raw: object) -> list[str]:
    """Return the tags trimmed and without repeats (first one kept), or raise ValidationError."""
    if not isinstance(raw, list):
        raise ValidationError("tags must be a list of strings ([] clears them).", "tags")
    if len(raw) > TAGS_MAX:
        raise ValidationError(f"tags may hold at most {TAGS_MAX} tags.", "tags")
    tags: list[str] = []
    for item in raw:
        tag = item.strip() if isinstance(item, str) else None
        if not tag or len(tag) > TAG_MAX or _has_controls(tag):
            raise ValidationError(
                f"Each tag must be text of 1 to {TAG_MAX} characters on one line.", "tags"
            )
        if tag not in tags:
            tags.append(tag)
    return tags


def check_lead_status(raw: object) -> str | None:
    """Return the lead status (None clears it) or raise ValidationError."""
    if raw is None or raw in LEAD_STATUSES:
        return raw
    raise ValidationError(
        f"lead_status must be one of {', '.join(LEAD_STATUSES)}, or null.", "lead_status"
    )


def check_value(raw: object) -> Decimal | None:
    """Return the money value (None clears it) or raise ValidationError."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not _VALUE_RE.fullmatch(raw):
        raise ValidationError(
            'value must be a decimal string of digits 0-9 like "250.00" (at most 2 decimals, '
            "at least 0, below 10,000,000,000), or null.",
            "value",
        )
    return Decimal(raw)


CRM_FIELDS: dict[str, Callable[[object], object]] = {
    "note": check_note,
    "tags": check_tags,
    "lead_status": check_lead_status,
    "value": check_value,
}


# What each field holds once cleared: what a merge patch's null (removal) leaves.
CRM_CLEARED: dict[str, object] = {"note": "", "tags": [], "lead_status": None, "value": None}


def check_crm_changes(changes: dict[str, Any]) -> dict[str, object]:
    """Return the cleaned changes; raise InvalidFields naming every unknown or bad field."""
    errors: list[tuple[str, str]] = []
    if not changes:
        known = ", ".join(CRM_FIELDS)
        raise InvalidFields([("body", f"Send at least one of {known}.")])
    cleaned: dict[str, object] = {}
    for name, raw in changes.items():
        check = CRM_FIELDS.get(name)
        if check is None:
            errors.append((name, f"Unknown field {name!r}. Known: {', '.join(CRM_FIELDS)}."))
            continue
        try:
            cleaned[name] = check(raw)
        except ValidationError as error:
            errors.append((name, error.message))
    if errors:
        raise InvalidFields(errors)
    return cleaned


def update_call_crm_fields(
    workspace: Workspace,
    call_uuid: str | uuid.UUID,
    changes: dict[str, Any],
    *,
    actor: User | None = None,
    ip: str | None = None,
    via: str = "",
) -> Call:
    """Set the given CRM fields of the workspace's call: all of them, or none if any is bad.

    A change is audited (which fields, by whom, through what); setting the same values
    again changes nothing and records nothing.
    """
    call = get_call(workspace, call_uuid)
    changed = []
    for name, value in check_crm_changes(changes).items():
        old = getattr(call, name)
        if _shown(old) != _shown(value):
            changed.append({"field": name, "old": _shown(old), "new": _shown(value)})
        setattr(call, name, value)
    if changed:
        record_event(
            actor,
            "call.lead_updated",
            account_id=workspace.account_id,
            workspace=workspace,
            target=call.caller_number,
            ip=ip,
            details={"call": str(call.uuid), "fields": [c["field"] for c in changed], "via": via},
        )
    fields_changed(workspace, call, changed)
    return call


def _shown(value: object) -> object:
    """Return a CRM value as the API shows it (money as a two-decimal string)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return list(value)
    return value
