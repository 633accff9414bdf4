"""A call to a website pool number carries the visit that held the number when it rang."""

from __future__ import annotations

from datetime import datetime, timedelta

from ringtonic.extensions import db
from ringtonic.models import PhoneNumber
from ringtonic.models.website import VisitorSession, WebsiteSettings
from ringtonic.services.tracking.leases import visit_for_call

DEFAULT_COOLDOWN = timedelta(minutes=10)


def visit_of_call(phone_number: PhoneNumber, started_at: datetime) -> VisitorSession | None:
    """Return the visit a call to this number belongs to (pool numbers only), if any.

    Numbers of static campaigns and a website campaign's source numbers (those with a
    fixed source) belong to no single visit: such calls keep the number's own source.
    """
    campaign = phone_number.campaign
    if campaign is None or campaign.type != "website" or phone_number.source:
        return None
    settings = db.session.get(WebsiteSettings, phone_number.workspace_id)
    cooldown = timedelta(minutes=settings.cooldown_minutes) if settings else DEFAULT_COOLDOWN
    return visit_for_call(phone_number.id, started_at, cooldown)
