"""Template filters that show calls to people: durations, numbers, statuses (times: `when`)."""

from __future__ import annotations

from ringtonic.calls import bp
from ringtonic.services.telephony.phones import format_for_display

STATUS_BADGES = {
    "answered": "badge",
    "missed": "badge badge--danger",
    "busy": "badge badge--danger",
    "failed": "badge badge--danger",
    "voicemail": "badge badge--warn",
    "ringing": "badge badge--muted",
    "in-progress": "badge badge--muted",
}


@bp.app_template_filter("duration")
def duration(seconds: int | None) -> str:
    """Format seconds as m:ss, or h:mm:ss from an hour up."""
    if seconds is None:
        return "–"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@bp.app_template_filter("phone")
def phone(e164: str) -> str:
    """Format an E.164 number for people."""
    return format_for_display(e164)


@bp.app_template_filter("status_badge")
def status_badge(status: str) -> str:
    """Return the badge classes for a call status."""
    return STATUS_BADGES.get(status, "badge badge--muted")


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    """Format a byte count as MB or KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size / 1024:.0f} KB"
