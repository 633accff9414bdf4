"""Figures about shared state for the metrics endpoint, one cheap query each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Campaign, PhoneNumber
from ringtonic.models.types import utcnow
from ringtonic.models.website import NumberLease


@dataclass(frozen=True)
class PoolUse:
    """Website-tracking pool numbers across every workspace, and how many are leased now."""

    size: int
    leased: int


def tracking_pool_use() -> PoolUse:
    """Count pool numbers (website campaigns' numbers without a fixed source) and leases."""
    pool = (
        select(PhoneNumber.id)
        .join(Campaign, Campaign.id == PhoneNumber.campaign_id)
        .where(
            Campaign.type == "website",
            Campaign.archived_at.is_(None),
            PhoneNumber.source == "",
        )
    )
    size = db.session.scalar(select(func.count()).select_from(pool.subquery()))
    leased = db.session.scalar(
        select(func.count())
        .select_from(NumberLease)
        .where(
            NumberLease.phone_number_id.in_(pool),
            NumberLease.session_id.is_not(None),
            NumberLease.free_at > utcnow(),
        )
    )
    return PoolUse(int(size or 0), int(leased or 0))
