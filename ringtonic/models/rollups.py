"""Call rollups: counters of calls per time block, kept up to date as calls are written.

A row counts the calls of one workspace and campaign that started in the UTC block
[block_start, block_start + block_seconds) and share one key: a place, a tracking
number with its source and medium, or none (series over time read that third rollup, so
a day of a series is one row, not one per number, source and medium). Every call is
counted once per block size, so any period is the sum of a few large blocks in its
middle and smaller ones at its edges (see services/reporting/rollup_blocks.py). Counters are kept
per status, so a status callback moves a call between columns of the same row instead
of between rows.

Missing ids are stored as 0, not NULL, so that the primary key (the upsert target)
treats "no campaign" as one value on every database.

Places are numbered per workspace (`call_places`) and the place rollup is keyed by that
number: a period's rows are grouped by one integer, and the four names are joined to the
hundred or so groups afterwards, not carried through the grouping by every block's rows.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ringtonic.extensions import db
from ringtonic.models.telephony import CALL_STATUSES


def status_column_prefix(status: str) -> str:
    """Return the prefix of a status's counter columns ("in-progress" → "in_progress")."""
    return status.replace("-", "_")


class RollupBlock:
    """Where every rollup's key starts: the workspace, the time block and the campaign.

    Sorted first (mixin columns otherwise follow the class's own): the primary key's
    column order is the order its index is searched in.
    """

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id"), primary_key=True, sort_order=-4
    )
    block_seconds: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-3)
    block_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, sort_order=-2)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class RollupCounters:
    """Per status: how many calls, how many were first calls, and their total seconds."""

    # The same calls over every status, as reports without a status filter read them: five
    # columns a row instead of summing the 21 below. First after the key (migration 0009):
    # a database decodes a row up to the last column a query reads.
    total_calls: Mapped[int] = mapped_column(Integer, default=0)
    total_answered: Mapped[int] = mapped_column(Integer, default=0)
    total_missed: Mapped[int] = mapped_column(Integer, default=0)
    total_first_calls: Mapped[int] = mapped_column(Integer, default=0)
    total_seconds: Mapped[int] = mapped_column(BigInteger, default=0)

    ringing_calls: Mapped[int] = mapped_column(Integer, default=0)
    ringing_first_calls: Mapped[int] = mapped_column(Integer, default=0)
    ringing_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    in_progress_calls: Mapped[int] = mapped_column(Integer, default=0)
    in_progress_first_calls: Mapped[int] = mapped_column(Integer, default=0)
    in_progress_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    answered_calls: Mapped[int] = mapped_column(Integer, default=0)
    answered_first_calls: Mapped[int] = mapped_column(Integer, default=0)
    answered_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    missed_calls: Mapped[int] = mapped_column(Integer, default=0)
    missed_first_calls: Mapped[int] = mapped_column(Integer, default=0)
    missed_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    busy_calls: Mapped[int] = mapped_column(Integer, default=0)
    busy_first_calls: Mapped[int] = mapped_column(Integer, default=0)
    busy_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    failed_calls: Mapped[int] = mapped_column(Integer, default=0)
    failed_first_calls: Mapped[int] = mapped_column(Integer, default=0)
    failed_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    voicemail_calls: Mapped[int] = mapped_column(Integer, default=0)
    voicemail_first_calls: Mapped[int] = mapped_column(Integer, default=0)
    voicemail_seconds: Mapped[int] = mapped_column(BigInteger, default=0)


COUNTER_KINDS = ("calls", "first_calls", "seconds")
STATUS_COLUMNS = tuple(
    f"{status_column_prefix(status)}_{kind}" for status in CALL_STATUSES for kind in COUNTER_KINDS
)
# In the order of Counters' fields (calls, answered, missed, first-time callers, seconds).
TOTAL_COLUMNS = (
    "total_calls",
    "total_answered",
    "total_missed",
    "total_first_calls",
    "total_seconds",
)
COUNTER_COLUMNS = STATUS_COLUMNS + TOTAL_COLUMNS
PLACE_NAMES = ("caller_country", "caller_state", "caller_city", "caller_zip")


class NumberedPlace(db.Model):
    """A place callers gave (country, state, city, zip; "" if not given), numbered per workspace."""

    __tablename__ = "call_places"
    __table_args__ = (UniqueConstraint("workspace_id", *PLACE_NAMES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    caller_country: Mapped[str] = mapped_column(String(2))
    caller_state: Mapped[str] = mapped_column(String(50))
    caller_city: Mapped[str] = mapped_column(String(100))
    caller_zip: Mapped[str] = mapped_column(String(20))


class CallPlaceRollup(RollupBlock, RollupCounters, db.Model):
    """Calls per time block, campaign and caller place."""

    __tablename__ = "call_place_rollups"
    # The primary key is the table on SQLite: reads are range scans with no row lookups.
    __table_args__ = {"sqlite_with_rowid": False}

    place_id: Mapped[int] = mapped_column(ForeignKey("call_places.id"), primary_key=True)


class CallTimeRollup(RollupBlock, RollupCounters, db.Model):
    """Calls per time block and campaign."""

    __tablename__ = "call_time_rollups"
    __table_args__ = {"sqlite_with_rowid": False}


class CallSourceRollup(RollupBlock, RollupCounters, db.Model):
    """Calls per time block, campaign, tracking number, source and medium."""

    __tablename__ = "call_source_rollups"
    __table_args__ = {"sqlite_with_rowid": False}

    phone_number_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    medium: Mapped[str] = mapped_column(String(100), primary_key=True)
