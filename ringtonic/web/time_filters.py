"""Template filters for showing moments to people: one format, in the workspace's zone.

Every time a page shows goes through `when`: "Dec 2, 2026, 2:05 PM" in the current
workspace's time zone, inside `<time datetime="...Z" title="2026-12-02 20:05:03 UTC">`, so
a person reads local time and can hover for the exact UTC value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import has_request_context
from flask_login import current_user
from markupsafe import Markup

from ringtonic.models.types import utcnow
from ringtonic.services.reporting.periods import iso_utc
from ringtonic.view_helpers.access import current_workspace
from ringtonic.web import bp

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    """Return how long ago `moment` was, in the largest whole unit ("3 hours ago")."""
    seconds = int(((now or utcnow()) - moment).total_seconds())
    for unit, size in _UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


@bp.app_template_filter("utc_exact")
def utc_exact(moment: datetime) -> str:
    """Return the moment as "2026-11-27 16:05:09 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


bp.add_app_template_filter(iso_utc, "iso_utc")


def local_text(moment: datetime, zone_name: str, seconds: bool = False) -> str:
    """Return the moment as people read it in the zone: "Dec 2, 2026, 2:05 PM"."""
    local = moment.astimezone(ZoneInfo(zone_name))
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local:%M:%S}" if seconds else f"{hour}:{local:%M}"
    return f"{local:%b} {local.day}, {local.year}, {clock} {local:%p}"


def _page_zone() -> str:
    """Return the current workspace's zone, or UTC for a page nobody is signed in to."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_workspace().time_zone
    return "UTC"


@bp.app_template_filter("when")
def when(moment: datetime | None, zone_name: str | None = None, seconds: bool = False) -> Markup:
    """Return a <time> element: local time in the workspace's zone, exact UTC on hover."""
    if moment is None:
        return Markup("")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # stored times are UTC
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso_utc(moment), utc_exact(moment), local_text(moment, zone_name or _page_zone(), seconds)
    )
