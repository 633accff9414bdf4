"""The subject and plain-text body of each alert e-mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import BlockedCall, Call, CallRecording, Workspace
from ringtonic.services.telephony.phones import format_for_display

HEADLINES = {
    "missed_call": "Missed call",
    "voicemail": "New voicemail",
    "first_time_caller": "First-time caller",
}


FOOTER = "You get this e-mail because you chose it in Settings → Alerts for this workspace."


def _voicemail_transcript(call: Call) -> str | None:
    recording = db.session.scalar(
        select(CallRecording)
        .where(CallRecording.call_id == call.id, CallRecording.kind == "voicemail")
        .order_by(CallRecording.created_at.desc(), CallRecording.id.desc())
        .limit(1)
    )
    return recording.transcript if recording is not None else None


def _spike(workspace: Workspace, now: datetime) -> tuple[str, str]:
    attempts = db.session.scalar(
        select(func.count())
        .select_from(BlockedCall)
        .where(
            BlockedCall.workspace_id == workspace.id,
            BlockedCall.attempted_at > now - timedelta(hours=1),
            BlockedCall.attempted_at <= now,
        )
    )
    lines = [
        f"{attempts} calls from blocked numbers were refused in {workspace.name} in the last "
        "hour, more than usual. They did not ring and are not in your reports; the Blocked "
        "calls log in Ring Tonic lists them.",
        "",
        FOOTER,
    ]
    return f"Spike of blocked calls · {workspace.name}", "\n".join(lines) + "\n"


def render_alert(
    kind: str,
    workspace: Workspace,
    call: Call | None,
    public_url: str | None,
    now: datetime,
) -> tuple[str, str]:
    """Return (subject, body) of the alert e-mail."""
    if kind == "blocked_spike":
        return _spike(workspace, now)
    if call is None:
        # Deliveries of call alerts are deleted with their call (ON DELETE CASCADE).
        raise ValueError(f"A {kind!r} alert is about a call, and none was given.")
    headline = HEADLINES[kind]
    caller = format_for_display(call.caller_number)
    subject = f"{headline} from {caller} · {workspace.name}"
    local = call.started_at.astimezone(ZoneInfo(workspace.time_zone))
    lines = [
        f"{headline} in {workspace.name}.",
        "",
        f"Caller: {caller}",
        f"Tracking number: {format_for_display(call.tracking_number)}",
        f"When: {local:%Y-%m-%d %H:%M} ({workspace.time_zone})",
        f"Outcome: {call.status}",
    ]
    if call.source:
        lines.append(f"Source: {call.source}" + (f" / {call.medium}" if call.medium else ""))
    if call.campaign is not None:
        lines.append(f"Campaign: {call.campaign.name}")
    if call.caller_city or call.caller_state:
        place = ", ".join(p for p in (call.caller_city, call.caller_state) if p)
        lines.append(f"Caller location: {place}")
    if kind == "voicemail":
        transcript = _voicemail_transcript(call)
        lines += ["", "Transcript:", transcript or "(Twilio made no transcript of this message.)"]
    if public_url:
        lines += ["", f"Open the call: {public_url.rstrip('/')}/calls/{call.uuid}"]
    lines += ["", FOOTER]
    return subject, "\n".join(lines) + "\n"
