"""Template filters for showing moments: relative ("5 minutes ago") and exact UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from ringtonic.models.types import utcnow
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


@bp.app_template_filter("relative_time")
def relative_time_filter(moment: datetime) -> str:
    """Template form of relative_time."""
    return relative_time(moment)


@bp.app_template_filter("utc_exact")
def utc_exact(moment: datetime) -> str:
    """Return the moment as "2026-11-27 16:05:09 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@bp.app_template_filter("iso_utc")
def iso_utc(moment: datetime) -> str:
    """Return the moment as ISO 8601 UTC ending in Z, for <time datetime> and the API."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
