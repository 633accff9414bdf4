"""What a report's ETag is derived from, read in one statement on the read gateway.

A report's answer depends on the workspace's calls (through the rollups), the names of
its campaigns and numbers, and the website visits of its period. Calls, names and any
deletion of visits bump the workspace's data version (`data_versions`). Visits are added
by the tracker without a write of their own (its hot path stays as it is), and what a
report counts of a visit is fixed when the visit is written (workspace, campaign, start,
visitor, source and medium, place), except the number it was shown, which a lease taken
over gives it again later. So the version is:

- the data version and its change time;
- the count of the period's visits and the newest one's id, read from the visits' index
  of (workspace, started_at, campaign) alone (a visit added, or one committed late on
  PostgreSQL, raises the count even where its id is not the newest);
- for reports grouped by tracking number only: the newest lease moment of the
  workspace's numbers and of visits left without one (each the top of the
  (phone_number_id, number_leased_at) index), since giving a visit another number sets
  its lease moment to that time.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from ringtonic.db.reads import PreparedRead
from ringtonic.extensions import db
from ringtonic.models import Campaign, PhoneNumber, WorkspaceDataVersion
from ringtonic.models.website import VisitorSession
from ringtonic.services.keys.generations import GENERATION_BY_ACCOUNT

_VISITS = VisitorSession.__table__
_NUMBERS = PhoneNumber.__table__
_VERSIONS = WorkspaceDataVersion.__table__
_CAMPAIGNS = Campaign.__table__


def _data_version(column: Any) -> Any:
    return (
        select(column)
        .where(_VERSIONS.c.workspace_id == bindparam("workspace_id"))
        .scalar_subquery()
    )


def _newest_lease() -> Any:
    """Return the newest lease moment of the workspace's numbers' visits, and of numberless ones."""
    # Their own alias: the outer statement reads the visits of the period.
    leases = _VISITS.alias("leases")
    per_number = (
        select(func.max(leases.c.number_leased_at))
        .where(leases.c.phone_number_id == _NUMBERS.c.id)
        .correlate(_NUMBERS)
        .scalar_subquery()
    )
    numbers = (
        select(func.max(per_number))
        .where(_NUMBERS.c.workspace_id == bindparam("workspace_id"))
        .scalar_subquery()
    )
    # Visits left without a number are not the workspace's in this index: every
    # workspace's count here, which only ever makes a tag change more often. Taken as
    # the top entry of the index's NULL section in the index's own order, not as max():
    # PostgreSQL's max() shortcut needs the index's first column fixed by `=`, so under
    # `IS NULL` it read every numberless visit (a parallel seq scan, 55 ms at 250,000).
    numberless = (
        select(leases.c.number_leased_at)
        .where(leases.c.phone_number_id.is_(None), leases.c.number_leased_at.is_not(None))
        .order_by(
            leases.c.phone_number_id.desc().nulls_first(),
            leases.c.number_leased_at.desc().nulls_first(),
        )
        .limit(1)
        .scalar_subquery()
    )
    return numbers, numberless


def _campaign_by_uuid() -> Any:
    return (
        select(_CAMPAIGNS.c.id)
        .where(
            _CAMPAIGNS.c.workspace_id == bindparam("workspace_id"),
            _CAMPAIGNS.c.uuid == bindparam("campaign_uuid", type_=_CAMPAIGNS.c.uuid.type),
        )
        .scalar_subquery()
    )


@functools.lru_cache(maxsize=8)
def _read(campaign: str, by_number: bool) -> PreparedRead:
    """Build (once per shape) the one statement a report's ETag reads.

    `campaign` is how the report is narrowed: "" (not), "id" or "uuid" (the campaign's
    id is then read in the same statement, first column, NULL for no such campaign).
    """

    def build() -> Any:
        period = [
            _VISITS.c.workspace_id == bindparam("workspace_id"),
            _VISITS.c.started_at >= bindparam("start", type_=_VISITS.c.started_at.type),
            _VISITS.c.started_at < bindparam("end", type_=_VISITS.c.started_at.type),
        ]
        named = _campaign_by_uuid() if campaign == "uuid" else None
        if campaign == "id":
            period.append(_VISITS.c.campaign_id == bindparam("campaign_id"))
        elif named is not None:
            period.append(_VISITS.c.campaign_id == named)
        columns = [
            *([named] if named is not None else []),
            _data_version(_VERSIONS.c.version),
            _data_version(_VERSIONS.c.changed_at),
            func.count(),
            func.max(_VISITS.c.id),
        ]
        if by_number:
            columns.extend(_newest_lease())
        # Last: the account's key generation, which confirms a key taken from memory.
        columns.append(GENERATION_BY_ACCOUNT)
        return select(*columns).select_from(_VISITS).where(*period)

    return PreparedRead(build)


@dataclass(frozen=True)
class Scope:
    """Whose report: the workspace, its account (for the key generation) and the period."""

    workspace_id: int
    account_id: int
    start: datetime
    end: datetime

    def params(self) -> dict[str, Any]:
        return {
            "workspace_id": self.workspace_id,
            "generation_account_id": self.account_id,
            "start": self.start,
            "end": self.end,
        }


def report_version(
    scope: Scope, campaign_id: int | None, by_number: bool = False
) -> tuple[tuple[Any, ...], int]:
    """Return what changes when the report may answer otherwise, and the key generation."""
    params = scope.params()
    if campaign_id is not None:
        params["campaign_id"] = campaign_id
    row = _read("id" if campaign_id is not None else "", by_number).one_or_none(db.engine, **params)
    assert row is not None  # an aggregate without GROUP BY always answers one row
    return tuple(row[:-1]), row[-1]


def report_version_by_uuid(
    scope: Scope, campaign_uuid: uuid.UUID, by_number: bool = False
) -> tuple[int | None, tuple[Any, ...], int]:
    """Return the campaign's id, its report's version and the key generation, in one read.

    The id is None when the workspace has no campaign with that public id.
    """
    read = _read("uuid", by_number)
    row = read.one_or_none(db.engine, campaign_uuid=campaign_uuid, **scope.params())
    assert row is not None  # an aggregate without GROUP BY always answers one row
    return row[0], tuple(row[1:-1]), row[-1]
