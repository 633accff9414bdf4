"""Periodic jobs of call handling: each reads the app's config and runs one idempotent service.

The background worker calls these every minute inside an app context; `flask alerts send`
and `flask recordings copy|expire` run them once. Each commits as it goes.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from ringtonic.models.types import utcnow
from ringtonic.services.alerts.delivery import AlertRun, send_pending_alerts
from ringtonic.services.recordings.copying import (
    CopyRun,
    TwilioMediaAccess,
    copy_pending_recordings,
)
from ringtonic.services.recordings.retention import expire_recordings
from ringtonic.services.recordings.storage import RecordingStore, open_store


def recording_store() -> RecordingStore:
    """Return this app's recording store (made once: an S3 client is costly to set up)."""
    store = current_app.extensions.get("ringtonic_recordings")
    if store is None:
        store = open_store(current_app.config["RINGTONIC_RECORDINGS"])
        current_app.extensions["ringtonic_recordings"] = store
    return store


def send_alerts(now: datetime | None = None) -> AlertRun:
    """E-mail the call alerts that are due."""
    config = current_app.config
    return send_pending_alerts(
        now or utcnow(), config.get("RINGTONIC_SMTP"), config.get("RINGTONIC_PUBLIC_URL")
    )


def copy_recordings(now: datetime | None = None) -> CopyRun:
    """Copy finished recordings from Twilio into the recording store."""
    config = current_app.config
    access = TwilioMediaAccess(
        api_url=config.get("RINGTONIC_TWILIO_API_URL", "https://api.twilio.com"),
        secret_key=config["SECRET_KEY"],
        delete_after_copy=bool(config.get("RINGTONIC_RECORDINGS_DELETE_FROM_TWILIO")),
    )
    return copy_pending_recordings(now or utcnow(), recording_store(), access)


def expire_old_recordings(now: datetime | None = None) -> int:
    """Delete recordings older than their workspace's retention."""
    return expire_recordings(now or utcnow(), recording_store())
