"""RateLimitCounter: one fixed-window count of the rate limits, shared by every worker."""

from __future__ import annotations

from sqlalchemy import Double, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ringtonic.extensions import db

# Keys name the limit, its window and who is counted (an email is at most 254 characters).
COUNTER_KEY_MAX = 400


class RateLimitCounter(db.Model):
    """How many times `key` was counted in the window that ends at `expires_at`."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(COUNTER_KEY_MAX), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Unix time in seconds, as the `limits` library counts windows.
    expires_at: Mapped[float] = mapped_column(Double, index=True)
