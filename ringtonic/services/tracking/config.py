"""The tracker's settings as its public endpoints need them, read once and kept briefly.

Every page view of every visitor asks for the script and starts or continues a visit;
reading the workspace, its settings and its pool from the database each time would cost
more than the work itself. Each process keeps a workspace's config for CONFIG_TTL
seconds, so a change made in Settings reaches every worker and host within that time
(the worker that saved it forgets its copy at once).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine

from ringtonic.db.reads import PreparedRead, PreparedRows
from ringtonic.models import Campaign, PhoneNumber, Workspace
from ringtonic.models.website import WebsiteSettings

CONFIG_TTL = 30.0
MAX_CACHED = 1000
DEFAULT_LEASE_MINUTES = 30
DEFAULT_COOLDOWN_MINUTES = 10


@dataclass(frozen=True)
class TrackerConfig:
    """One workspace's tracker settings and the numbers of its website campaign."""

    workspace_id: int
    workspace_uuid: uuid.UUID
    campaign_id: int | None
    allowed_domains: tuple[str, ...]
    replace_numbers: tuple[str, ...]
    lease: timedelta
    cooldown: timedelta
    form_fields: bool
    require_consent: bool
    honor_gpc: bool
    # The campaign's numbers: id -> (E.164, fixed source, fixed medium); blank source = pool.
    numbers: dict[int, tuple[str, str, str]]

    @property
    def pool_ids(self) -> list[int]:
        """Return the pool numbers' ids (the campaign's numbers without a fixed source)."""
        return sorted(n for n, (_e164, source, _medium) in self.numbers.items() if not source)

    def allows(self, host: str) -> bool:
        """Return whether a page on `host` may use the tracker (listed domains, subdomains)."""
        host = (host or "").lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)


_SETTINGS = PreparedRead(
    lambda: (
        select(
            Workspace.id,
            WebsiteSettings.workspace_id,
            WebsiteSettings.campaign_id,
            WebsiteSettings.allowed_domains,
            WebsiteSettings.replace_numbers,
            WebsiteSettings.lease_minutes,
            WebsiteSettings.cooldown_minutes,
            WebsiteSettings.form_fields,
            WebsiteSettings.require_consent,
            WebsiteSettings.honor_gpc,
        )
        .select_from(Workspace)
        .outerjoin(WebsiteSettings, WebsiteSettings.workspace_id == Workspace.id)
        .where(Workspace.uuid == bindparam("uuid", type_=Workspace.uuid.type))
    )
)
_DEFAULT_CAMPAIGN = PreparedRead(
    lambda: (
        select(Campaign.id)
        .where(
            Campaign.workspace_id == bindparam("workspace_id"),
            Campaign.type == "website",
            Campaign.archived_at.is_(None),
        )
        .order_by(Campaign.created_at, Campaign.id)
        .limit(1)
    )
)
_NUMBERS = PreparedRows(
    select(PhoneNumber.id, PhoneNumber.number, PhoneNumber.source, PhoneNumber.medium)
    .join(Campaign, Campaign.id == PhoneNumber.campaign_id)
    .where(
        PhoneNumber.campaign_id == bindparam("campaign_id"),
        Campaign.type == "website",
        Campaign.archived_at.is_(None),
    )
)

_cache: dict[uuid.UUID, tuple[float, TrackerConfig | None]] = {}
_lock = threading.Lock()


def _load(engine: Engine, workspace_uuid: uuid.UUID) -> TrackerConfig | None:
    row = _SETTINGS.one_or_none(engine, uuid=workspace_uuid)
    if row is None:
        return None
    workspace_id, stored, campaign_id, domains, numbers, lease, cooldown, *flags = row
    if stored is None:
        found = _DEFAULT_CAMPAIGN.one_or_none(engine, workspace_id=workspace_id)
        campaign_id = found[0] if found else None
        lease, cooldown, flags = (
            DEFAULT_LEASE_MINUTES,
            DEFAULT_COOLDOWN_MINUTES,
            [False, False, True],
        )
    campaign_numbers = (
        {
            n: (e164, src or "", med or "")
            for n, e164, src, med in _NUMBERS.all(engine, {"campaign_id": campaign_id})
        }
        if campaign_id is not None
        else {}
    )
    return TrackerConfig(
        workspace_id=workspace_id,
        workspace_uuid=workspace_uuid,
        campaign_id=campaign_id,
        allowed_domains=tuple(domains or ()),
        replace_numbers=tuple(numbers or ()),
        lease=timedelta(minutes=lease),
        cooldown=timedelta(minutes=cooldown),
        form_fields=bool(flags[0]),
        require_consent=bool(flags[1]),
        honor_gpc=bool(flags[2]),
        numbers=campaign_numbers,
    )


def tracker_config(engine: Engine, workspace_uuid: str) -> TrackerConfig | None:
    """Return the workspace's tracker config (None: no such workspace), at most CONFIG_TTL old."""
    try:
        wanted = uuid.UUID(workspace_uuid)
    except ValueError:
        return None
    now = time.monotonic()
    cached = _cache.get(wanted)
    if cached is not None and cached[0] > now:
        return cached[1]
    config = _load(engine, wanted)
    with _lock:
        if len(_cache) >= MAX_CACHED:
            _cache.clear()
        _cache[wanted] = (now + CONFIG_TTL, config)
    return config


def forget_config(workspace_uuid: uuid.UUID) -> None:
    """Drop this process's copy of a workspace's config (its settings just changed)."""
    _cache.pop(workspace_uuid, None)
