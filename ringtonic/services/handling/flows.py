"""Campaign call flows: their settings, checked, and what they decide for one call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from ringtonic.extensions import db
from ringtonic.models import SPAM_GATE_FAILED, Call, CallFlow, Campaign
from ringtonic.models.handling import (
    AFTER_HOURS_ACTIONS,
    DEFAULT_CONSENT_TEXT,
    DEFAULT_GATE_PROMPT,
    DEFAULT_VOICEMAIL_GREETING,
    WEEKDAYS,
)
from ringtonic.models.types import utcnow
from ringtonic.services.errors import InvalidFields, ValidationError
from ringtonic.services.reporting.rollups import recounting_calls, share_rollup_lock
from ringtonic.services.telephony.phones import parse_phone_number
from ringtonic.text import displayable

_INTERVAL_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
TEXT_FIELDS = {
    "gate_prompt": 300,
    "whisper_text": 300,
    "consent_text": 300,
    "voicemail_greeting": 1000,
}
FLAG_FIELDS = (
    "gate_enabled",
    "hours_enabled",
    "whisper_enabled",
    "recording_enabled",
    "consent_enabled",
    "voicemail_enabled",
)
MAX_CLOSED_DAYS = 366
# Stages a call goes through (Call.flow_stage); "" is a call forwarded as it is.
STAGE_GATE = "gate"
STAGE_CONNECTING = "connecting"
STAGE_AFTER_HOURS = "after_hours"
STAGE_VOICEMAIL = "voicemail"


def flow_of(campaign_id: int | None) -> CallFlow | None:
    """Return the campaign's saved flow, or None (calls are forwarded as they are)."""
    if campaign_id is None:
        return None
    return db.session.scalar(select(CallFlow).where(CallFlow.campaign_id == campaign_id))


def flow_for_editing(campaign: Campaign) -> CallFlow:
    """Return the campaign's flow, or an unsaved one holding the defaults."""
    return flow_of(campaign.id) or CallFlow(
        campaign_id=campaign.id,
        gate_enabled=False,
        gate_prompt=DEFAULT_GATE_PROMPT,
        hours_enabled=False,
        weekly_hours={},
        closed_days=[],
        after_hours_action="voicemail",
        after_hours_number="",
        whisper_enabled=False,
        whisper_text="",
        recording_enabled=False,
        consent_enabled=True,
        consent_text=DEFAULT_CONSENT_TEXT,
        voicemail_enabled=False,
        voicemail_greeting=DEFAULT_VOICEMAIL_GREETING,
    )


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def parse_day_hours(raw: str, day: str) -> list[list[str]]:
    """Return "09:00-12:00, 13:00-17:00" as [["09:00", "12:00"], ...]; "" is closed."""
    intervals: list[list[str]] = []
    text = (raw or "").strip()
    if not text or text.lower() == "closed":
        return intervals
    last_end = -1
    for part in text.split(","):
        match = _INTERVAL_RE.match(part)
        if match is None:
            raise ValidationError('Write hours like "09:00-17:00", or leave it empty.', day)
        start = _minutes(match[1], match[2])
        end = _minutes(match[3], match[4])
        if int(match[2]) > 59 or int(match[4]) > 59 or start >= 24 * 60 or end > 24 * 60:
            raise ValidationError("Times run from 00:00 to 24:00.", day)
        if end <= start:
            raise ValidationError("Each closing time must be after its opening time.", day)
        if start < last_end:
            raise ValidationError("List the hours in order, without overlaps.", day)
        last_end = end
        intervals.append([f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"])
    return intervals


def parse_closed_days(raw: str) -> list[str]:
    """Return "2026-12-25, 2027-01-01" as sorted ISO dates (one per line or comma)."""
    days: set[str] = set()
    for part in re.split(r"[,\s]+", (raw or "").strip()):
        if not part:
            continue
        try:
            days.add(date.fromisoformat(part).isoformat())
        except ValueError:
            raise ValidationError(
                f"“{part[:20]}” is not a date like 2026-12-25.", "closed_days"
            ) from None
    if len(days) > MAX_CLOSED_DAYS:
        raise ValidationError(f"List at most {MAX_CLOSED_DAYS} closed days.", "closed_days")
    return sorted(days)


def check_flow_changes(values: dict[str, Any]) -> dict[str, object]:
    """Return flow settings checked from form-like values; raise InvalidFields listing all."""
    errors: list[tuple[str, str]] = []
    cleaned: dict[str, object] = {name: bool(values.get(name)) for name in FLAG_FIELDS}
    for name, limit in TEXT_FIELDS.items():
        text = displayable(str(values.get(name) or ""))
        if len(text) > limit:
            errors.append((name, f"Keep it under {limit} characters."))
        cleaned[name] = text
    weekly: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        try:
            weekly[day] = parse_day_hours(str(values.get(f"hours_{day}") or ""), f"hours_{day}")
        except ValidationError as error:
            errors.append((error.field or f"hours_{day}", error.message))
    cleaned["weekly_hours"] = weekly
    try:
        cleaned["closed_days"] = parse_closed_days(str(values.get("closed_days") or ""))
    except ValidationError as error:
        errors.append((error.field or "closed_days", error.message))
    action = values.get("after_hours_action") or "voicemail"
    if action not in AFTER_HOURS_ACTIONS:
        errors.append(("after_hours_action", "Choose forward or voicemail."))
    cleaned["after_hours_action"] = action
    number = str(values.get("after_hours_number") or "").strip()
    cleaned["after_hours_number"] = ""
    if number:
        try:
            cleaned["after_hours_number"] = parse_phone_number(number, "after_hours_number")
        except ValidationError as error:
            errors.append((error.field or "after_hours_number", error.message))
    elif cleaned["hours_enabled"] and action == "forward":
        errors.append(("after_hours_number", "Enter the number to forward to after hours."))
    if cleaned["gate_enabled"] and not cleaned["gate_prompt"]:
        errors.append(("gate_prompt", "Enter what callers hear, e.g. “Press 1 to be connected.”"))
    if cleaned["recording_enabled"] and cleaned["consent_enabled"] and not cleaned["consent_text"]:
        errors.append(("consent_text", "Enter the recording announcement."))
    if cleaned["hours_enabled"] and action == "voicemail" and not cleaned["voicemail_enabled"]:
        cleaned["voicemail_enabled"] = True  # after-hours voicemail needs its greeting
    if cleaned["voicemail_enabled"] and not cleaned["voicemail_greeting"]:
        errors.append(("voicemail_greeting", "Enter the voicemail greeting."))
    if errors:
        raise InvalidFields(errors)
    return cleaned


def save_flow(campaign: Campaign, values: dict[str, Any]) -> CallFlow:
    """Check and store the campaign's call flow settings (all of them, or none)."""
    changes = check_flow_changes(values)
    flow = flow_of(campaign.id)
    if flow is None:
        flow = CallFlow(campaign_id=campaign.id)
        db.session.add(flow)
    for name, value in changes.items():
        setattr(flow, name, value)
    db.session.flush()
    return flow


def flow_form_values(flow: CallFlow) -> dict[str, object]:
    """Return the flow as the edit form shows it (hours as "09:00-17:00" text)."""
    values: dict[str, object] = {name: getattr(flow, name) for name in (*FLAG_FIELDS, *TEXT_FIELDS)}
    for day in WEEKDAYS:
        intervals = (flow.weekly_hours or {}).get(day, [])
        values[f"hours_{day}"] = ", ".join(f"{start}-{end}" for start, end in intervals)
    values["closed_days"] = ", ".join(flow.closed_days or [])
    values["after_hours_action"] = flow.after_hours_action
    values["after_hours_number"] = flow.after_hours_number
    return values


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_open(flow: CallFlow, time_zone: str, now: datetime) -> bool:
    """Return whether the business is open at `now`, read in the workspace's time zone."""
    if not flow.hours_enabled:
        return True
    local = now.astimezone(_zone(time_zone))
    if local.date().isoformat() in (flow.closed_days or []):
        return False
    day = WEEKDAYS[local.weekday()]
    minute = local.hour * 60 + local.minute
    for start, end in (flow.weekly_hours or {}).get(day, []):
        opens = time.fromisoformat(start)
        closes_at = 24 * 60 if end == "24:00" else _minutes(*end.split(":"))
        if opens.hour * 60 + opens.minute <= minute < closes_at:
            return True
    return False


@dataclass(frozen=True)
class Route:
    """Where the flow sends a call now: "dial" (to `number`) or "voicemail"."""

    action: str
    number: str = ""


def route_call(flow: CallFlow, call: Call, time_zone: str, forwarding_number: str) -> Route:
    """Decide, past the gate, whether the call rings the business, forwards or takes a message."""
    if is_open(flow, time_zone, call.started_at):
        return Route("dial", forwarding_number)
    if flow.after_hours_action == "forward" and flow.after_hours_number:
        return Route("dial", flow.after_hours_number)
    return Route("voicemail")


def set_stage(call: Call, stage: str) -> None:
    """Remember how far the flow took the call (the outcome rule reads it)."""
    if call.flow_stage != stage:
        call.flow_stage = stage


def fail_gate(call: Call) -> Call:
    """Record that the caller did not press the gate's key: spam_gate_failed, out of reports."""
    share_rollup_lock(call.workspace_id)
    with recounting_calls([call.id]):
        db.session.execute(
            update(Call)
            .where(Call.id == call.id)
            .values(
                status=SPAM_GATE_FAILED,
                outcome_source="gate",
                flow_stage=STAGE_GATE,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(call)
    return call


def whisper_text(flow: CallFlow, call: Call, campaign_name: str) -> str:
    """Return what the business hears before being connected."""
    if flow.whisper_text:
        return flow.whisper_text
    return f"Call from {call.source or campaign_name}."
