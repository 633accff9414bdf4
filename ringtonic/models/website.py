"""Website tracking: a workspace's tracker settings, its visitors' sessions and pool leases."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ringtonic.extensions import db
from ringtonic.models.types import UTCDateTime, utcnow

# Ad platforms' click ids a landing page may carry, in the order they are classified.
CLICK_IDS = ("gclid", "gbraid", "wbraid", "msclkid", "fbclid", "ttclid", "li_fat_id")
UTM_TAGS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class WebsiteSettings(db.Model):
    """How one workspace's website tracker behaves: where it may run and what it swaps."""

    __tablename__ = "website_settings"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    # The website campaign whose numbers the script shows (its pool and source numbers).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    # Host names (example.com also allows www.example.com and other subdomains).
    allowed_domains: Mapped[list] = mapped_column(JSON, default=list)
    # The business's real numbers (E.164) that the script replaces on the page.
    replace_numbers: Mapped[list] = mapped_column(JSON, default=list)
    lease_minutes: Mapped[int] = mapped_column(Integer, default=30)
    cooldown_minutes: Mapped[int] = mapped_column(Integer, default=10)
    form_fields: Mapped[bool] = mapped_column(Boolean, default=False)
    require_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    honor_gpc: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_page: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VisitorSession(db.Model):
    """One visit to the client's website: where it came from and the number it was shown."""

    __tablename__ = "visitor_sessions"
    __table_args__ = (
        # Attribution: the visit that held a number at the time of a call.
        Index("ix_visitor_sessions_number_leased", "phone_number_id", "number_leased_at"),
        # Visits by period; the campaign (and on PostgreSQL the id) lets a report's ETag
        # count them from the index alone (reporting.report_versions).
        Index(
            "ix_visitor_sessions_workspace_started_campaign",
            "workspace_id",
            "started_at",
            "campaign_id",
            postgresql_include=["id"],
        ),
        # First touch: a visitor's earliest visit.
        Index("ix_visitor_sessions_visitor", "workspace_id", "visitor_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    visitor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    landing_page: Mapped[str] = mapped_column(String(2000), default="")
    referrer: Mapped[str] = mapped_column(String(2000), default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    medium: Mapped[str] = mapped_column(String(100), default="")
    first_touch_source: Mapped[str] = mapped_column(String(100), default="")
    first_touch_medium: Mapped[str] = mapped_column(String(100), default="")
    utm_source: Mapped[str] = mapped_column(String(200), default="")
    utm_medium: Mapped[str] = mapped_column(String(200), default="")
    utm_campaign: Mapped[str] = mapped_column(String(200), default="")
    utm_term: Mapped[str] = mapped_column(String(200), default="")
    utm_content: Mapped[str] = mapped_column(String(200), default="")
    gclid: Mapped[str] = mapped_column(String(200), default="")
    gbraid: Mapped[str] = mapped_column(String(200), default="")
    wbraid: Mapped[str] = mapped_column(String(200), default="")
    msclkid: Mapped[str] = mapped_column(String(200), default="")
    fbclid: Mapped[str] = mapped_column(String(200), default="")
    ttclid: Mapped[str] = mapped_column(String(200), default="")
    li_fat_id: Mapped[str] = mapped_column(String(200), default="")
    ga_client_id: Mapped[str] = mapped_column(String(100), default="")
    ga_session_id: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(50), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    # The number shown: a pool number leased to this visit, or a source number.
    phone_number_id: Mapped[int | None] = mapped_column(ForeignKey("phone_numbers.id"))
    number_leased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # End of the lease: moved on by heartbeats, cut short when another visit takes it over.
    number_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The pool was exhausted and this visit took over the longest-idle lease.
    took_over: Mapped[bool] = mapped_column(Boolean, default=False)


class NumberLease(db.Model):
    """Which visit holds a pool number now: one row per pool number, changed atomically."""

    __tablename__ = "number_leases"

    phone_number_id: Mapped[int] = mapped_column(ForeignKey("phone_numbers.id"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("visitor_sessions.id"))
    leased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The number may be given to another visit from this moment (lease end + cooldown).
    free_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
