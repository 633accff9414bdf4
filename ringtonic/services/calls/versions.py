"""A call's version alone: what its ETag is derived from, without loading the call.

A poller revalidating one call (If-None-Match) is answered 304 from this read when
nothing changed: one indexed row by the call's uuid, joined to its number and the two
campaigns it names, on the read gateway (no ORM objects, no serializing). The tuple is
exactly the one ringtonic.api.conditional.call_version builds from a loaded call, so a
tag from a full answer matches it. A page of calls is revalidated the same way: its
calls' ids, change times and the ids they name, read narrowly, with the workspace's data
version standing for the names of its campaigns and numbers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from ringtonic.db.reads import PreparedRead, PreparedRows
from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber, Workspace, WorkspaceDataVersion
from ringtonic.services.calls.keyset import (
    UNKNOWN_CURSOR,
    KeysetPage,
    older_than,
    position_inside,
    position_of,
)
from ringtonic.services.calls.queries import CallFilters, filter_calls
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.keys.generations import GENERATION_BY_ACCOUNT, generation_of_account
from ringtonic.services.public_ids import parse_public_id

_CAMPAIGN = ("id", "name", "type", "archived_at")
_NUMBER = ("id", "number", "friendly_name", "forwarding_number", "source", "medium")


def _version_read() -> Select[Any]:
    call_campaign = aliased(Campaign)
    number_campaign = aliased(Campaign)
    return (
        select(
            Call.id,
            Call.updated_at,
            Call.visitor_session_id,
            *(getattr(PhoneNumber, name) for name in _NUMBER),
            *(getattr(number_campaign, name) for name in _CAMPAIGN),
            *(getattr(call_campaign, name) for name in _CAMPAIGN),
            # Last: the account's key generation, which confirms a key taken from memory.
            GENERATION_BY_ACCOUNT,
        )
        .select_from(Call)
        .outerjoin(PhoneNumber, PhoneNumber.id == Call.phone_number_id)
        .outerjoin(number_campaign, number_campaign.id == PhoneNumber.campaign_id)
        .outerjoin(call_campaign, call_campaign.id == Call.campaign_id)
        .where(Call.workspace_id == bindparam("workspace_id"), Call.uuid == bindparam("uuid"))
    )


_VERSION = PreparedRead(_version_read)


def call_version_by_uuid(
    workspace_id: int, account_id: int, call_uuid: str | uuid.UUID
) -> tuple[tuple[Any, ...], int]:
    """Return the call's version (as conditional.call_version) and the account's key
    generation, or raise NotFound."""
    wanted = parse_public_id(call_uuid, "Call not found.")
    found = _VERSION.one_or_none(
        db.engine, workspace_id=workspace_id, uuid=wanted, generation_account_id=account_id
    )
    if found is None:
        raise NotFound("Call not found.")
    row, generation = found[:-1], found[-1]
    call_id, updated_at, visit_id = row[:3]
    number = row[3 : 3 + len(_NUMBER)]
    start = 3 + len(_NUMBER)
    number_campaign = row[start : start + len(_CAMPAIGN)]
    call_campaign = row[start + len(_CAMPAIGN) :]
    number_version = () if number[0] is None else (*number, _campaign(number_campaign))
    version = (call_id, updated_at, number_version, _campaign(call_campaign), visit_id)
    return version, generation


def _campaign(columns: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return a campaign's version part as conditional.campaign_version builds it."""
    campaign_id, name, kind, archived_at = columns
    if campaign_id is None:
        return ()
    # Campaign.status is derived from archived_at, by the same rule.
    return (campaign_id, name, kind, "archived" if archived_at else "active", archived_at)


# What a page's ETag holds per call: the call's own change time and the ids of the objects
# it names; those objects' names and states are in the workspace's data version, which
# every change to a campaign or number bumps (reporting.rollups' flush hook).
PAGE_COLUMNS = (
    Call.id,
    Call.updated_at,
    Call.visitor_session_id,
    Call.phone_number_id,
    Call.campaign_id,
)
_DATA_VERSION = WorkspaceDataVersion.__table__.c


def _data_version_column(workspace_id: int) -> Any:
    """Return the workspace's data version as a scalar subquery (NULL before any change)."""
    return (
        select(_DATA_VERSION.version)
        .where(_DATA_VERSION.workspace_id == workspace_id)
        .scalar_subquery()
    )


def page_version(
    rows: Sequence[Sequence[Any]], has_more: bool, data_version: int | None
) -> tuple[Any, ...]:
    """Return a page's version from its calls' PAGE_COLUMNS and the workspace's data version."""
    if not rows:
        # An empty page names no campaign or number.
        return (0, has_more, ())
    return (len(rows), has_more, data_version or 0, tuple(tuple(row) for row in rows))


def loaded_page_version(page: KeysetPage[Call], data_version: int | None) -> tuple[Any, ...]:
    """Return the version of a loaded page (data_version read before the page was)."""
    rows = [tuple(getattr(call, column.key) for column in PAGE_COLUMNS) for call in page.items]
    return page_version(rows, page.has_more, data_version)


def calls_page_version(
    workspace: Workspace, filters: CallFilters, after: uuid.UUID | None, limit: int
) -> tuple[tuple[Any, ...], int | None]:
    """Return the version of the page list_calls_after would load, from narrow columns alone.

    One statement on the read gateway: the page's calls' PAGE_COLUMNS through the same
    filters and keyset bound, and the workspace's data version beside them (read in the
    same snapshot), and the account's key generation (None for an empty page). An unknown
    cursor raises ValidationError, as loading the page does.
    """
    generation = generation_of_account(workspace.account_id)
    query = filter_calls(
        select(*PAGE_COLUMNS, _data_version_column(workspace.id), generation), workspace, filters
    )
    if after is not None:
        position = position_inside(Call, Call.started_at, workspace.id, after)
        query = query.where(older_than(Call.started_at, Call.id, *position))
    query = query.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit + 1)
    rows = PreparedRows(query).all(db.engine, None)
    if (
        not rows
        and after is not None
        and position_of(Call, Call.started_at, workspace.id, after) is None
    ):
        raise ValidationError(UNKNOWN_CURSOR, "cursor")
    data_version, generation = rows[0][-2:] if rows else (None, None)
    version = page_version([row[:-2] for row in rows[:limit]], len(rows) > limit, data_version)
    return version, generation
