"""The subject and plain-text body of each alert e-mail."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ringtonic.models import Call, Workspace
from ringtonic.services.telephony.phones import format_for_display

HEADLINES = {
    "missed_call": "Missed call",
    "voicemail": "New voicemail",
    "first_time_caller": "First-time caller",
}


def render_alert(
    kind: str, workspace: Workspace, call: Call | None, public_url: str | None
) -> tuple[str, str]:
    """Return (subject, body) of the alert e-mail."""
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
    if public_url:
        lines += ["", f"Open the call: {public_url.rstrip('/')}/calls/{call.uuid}"]
    lines += [
        "",
        "You get this e-mail because you chose it in Settings → Alerts for this workspace.",
    ]
    return subject, "\n".join(lines) + "\n"
