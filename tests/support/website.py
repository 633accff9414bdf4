"""Website tracking set-up shared by tests: the site's origin and a pool of numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace

from ringtonic.extensions import db
from ringtonic.models import Campaign, PhoneNumber
from ringtonic.services.tracking.config import TrackerConfig, tracker_config
from ringtonic.services.tracking.settings import TrackerChoices, save_settings
from ringtonic.services.tracking.visits import (
    Shown,
    VisitStart,
    keep_alive,
    prepare_start,
    quiet_heartbeat,
    write_start,
)

SITE = "https://www.plumber.example"
REAL = "+15125550100"


def add_pool(workspace, size: int, *, lease_minutes: int = 30, cooldown_minutes: int = 10):
    """Give `workspace` a website campaign, a pool of `size` numbers and tracker settings."""
    campaign = Campaign(workspace_id=workspace.id, name="Website", type="website")
    db.session.add(campaign)
    db.session.flush()
    numbers = []
    for i in range(size):
        number = PhoneNumber(
            workspace_id=workspace.id,
            number=f"+1737555{i:04d}",
            forwarding_number=REAL,
            campaign_id=campaign.id,
        )
        db.session.add(number)
        numbers.append(number)
    db.session.flush()
    set_tracker(workspace, campaign, lease_minutes=lease_minutes, cooldown_minutes=cooldown_minutes)
    db.session.commit()
    return SimpleNamespace(campaign=campaign, numbers=[n.number for n in numbers])


def set_tracker(
    workspace,
    campaign,
    *,
    allowed_domains: str = "plumber.example",
    lease_minutes: int = 30,
    cooldown_minutes: int = 10,
) -> None:
    """Save the workspace's tracker settings as the settings page would (left to commit)."""
    save_settings(
        workspace,
        TrackerChoices(
            campaign_uuid=str(campaign.uuid),
            allowed_domains=allowed_domains,
            replace_numbers="(512) 555-0100",
            lease_minutes=lease_minutes,
            cooldown_minutes=cooldown_minutes,
            form_fields=True,
            require_consent=False,
            honor_gpc=True,
        ),
    )


def site_config(site):
    """Return the tracker configuration served for the site's workspace."""
    return tracker_config(db.engine, str(site.workspace.uuid))


def start_visit(
    config: TrackerConfig, start: VisitStart, now: datetime, location: Mapping[str, str]
) -> Shown:
    """Start (or continue) a visit as the view does, on the test's session (left to commit)."""
    connection = db.session.connection()
    return write_start(
        connection, config, prepare_start(connection, config, start, now, location), now
    )


def heartbeat(config: TrackerConfig, session_uuid: str, now: datetime) -> Shown:
    """Send a heartbeat as the view does, writing on the test's session (left to commit)."""
    shown = quiet_heartbeat(config, session_uuid, now)
    if shown is None:
        shown = keep_alive(db.session.connection(), config, session_uuid, now)
    return shown
