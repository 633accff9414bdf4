"""A workspace's website tracker settings: allowed domains, numbers to replace, the pool."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Campaign, Workspace
from ringtonic.models.website import WebsiteSettings
from ringtonic.services.errors import ValidationError
from ringtonic.services.telephony.phones import parse_phone_number
from ringtonic.services.tracking.config import forget_config
from ringtonic.services.url_parts import ascii_host, url_host

MAX_DOMAINS = 20
MAX_REPLACE_NUMBERS = 10
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


@dataclass(frozen=True)
class TrackerChoices:
    """What a person sets on the Website tracking page."""

    campaign_uuid: str
    allowed_domains: str
    replace_numbers: str
    lease_minutes: int
    cooldown_minutes: int
    form_fields: bool
    require_consent: bool
    honor_gpc: bool


def get_settings(workspace: Workspace) -> WebsiteSettings:
    """Return the workspace's tracker settings (defaults, not stored, when never saved)."""
    settings = db.session.get(WebsiteSettings, workspace.id)
    if settings is None:
        settings = WebsiteSettings(
            workspace_id=workspace.id,
            campaign_id=_default_campaign_id(workspace),
            allowed_domains=[],
            replace_numbers=[],
            lease_minutes=30,
            cooldown_minutes=10,
            form_fields=False,
            require_consent=False,
            honor_gpc=True,
            last_seen_page="",
        )
    return settings


def _default_campaign_id(workspace: Workspace) -> int | None:
    return db.session.scalar(
        select(Campaign.id)
        .where(
            Campaign.workspace_id == workspace.id,
            Campaign.type == "website",
            Campaign.archived_at.is_(None),
        )
        .order_by(Campaign.created_at, Campaign.id)
        .limit(1)
    )


def normalize_domain(raw: str) -> str:
    """Return a host name from what people paste (a URL, `*.example.com`), or raise."""
    text = raw.strip().lower()
    if "://" in text:
        text = url_host(text)
    text = text.split("/", 1)[0].removeprefix("*.").rstrip(".")
    if ":" in text:
        text = text.split(":", 1)[0]
    try:
        text = ascii_host(text)
    except UnicodeError:
        raise ValidationError(f"“{raw.strip()}” is not a domain name.", "allowed_domains") from None
    labels = text.split(".")
    if len(text) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels):
        raise ValidationError(
            f"“{raw.strip()[:80]}” is not a domain name (like example.com).", "allowed_domains"
        )
    return text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n,]", text or "") if line.strip()]


def parse_domains(text: str) -> list[str]:
    """Return the distinct host names listed one per line (or comma separated)."""
    domains: list[str] = []
    for line in _lines(text):
        domain = normalize_domain(line)
        if domain not in domains:
            domains.append(domain)
    if len(domains) > MAX_DOMAINS:
        raise ValidationError(f"List at most {MAX_DOMAINS} domains.", "allowed_domains")
    return domains


def parse_replace_numbers(text: str) -> list[str]:
    """Return the distinct real numbers (E.164) listed one per line."""
    numbers: list[str] = []
    for line in _lines(text):
        try:
            number = parse_phone_number(line, "replace_numbers")
        except ValidationError as error:
            raise ValidationError(f"{line[:40]}: {error.message}", "replace_numbers") from None
        if number not in numbers:
            numbers.append(number)
    if len(numbers) > MAX_REPLACE_NUMBERS:
        raise ValidationError(f"List at most {MAX_REPLACE_NUMBERS} numbers.", "replace_numbers")
    return numbers


def _campaign_id(workspace: Workspace, campaign_uuid: str) -> int | None:
    if not campaign_uuid:
        return None
    campaign: Campaign | None = db.session.scalar(
        select(Campaign).where(
            Campaign.workspace_id == workspace.id,
            Campaign.uuid == _uuid_or_none(campaign_uuid),
            Campaign.type == "website",
        )
    )
    if campaign is None:
        raise ValidationError("Choose one of this workspace's website campaigns.", "campaign")
    return campaign.id


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _minutes(value: int, field: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ValidationError(f"Enter a number of minutes from {low} to {high}.", field)
    return value


def save_settings(workspace: Workspace, choices: TrackerChoices) -> WebsiteSettings:
    """Validate and store the tracker settings; raise ValidationError naming the field."""
    values = {
        "campaign_id": _campaign_id(workspace, choices.campaign_uuid),
        "allowed_domains": parse_domains(choices.allowed_domains),
        "replace_numbers": parse_replace_numbers(choices.replace_numbers),
        "lease_minutes": _minutes(choices.lease_minutes, "lease_minutes", 5, 24 * 60),
        "cooldown_minutes": _minutes(choices.cooldown_minutes, "cooldown_minutes", 0, 24 * 60),
        "form_fields": choices.form_fields,
        "require_consent": choices.require_consent,
        "honor_gpc": choices.honor_gpc,
    }
    settings = db.session.get(WebsiteSettings, workspace.id)
    if settings is None:
        settings = WebsiteSettings(workspace_id=workspace.id, last_seen_page="")
        db.session.add(settings)
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.flush()
    forget_config(workspace.uuid)
    return settings
