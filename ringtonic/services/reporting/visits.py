"""Website visits beside the call counters: visits, distinct visitors and calls per visit.

Visits are counted from `visitor_sessions` through its (workspace, started_at) index:
a report reads the visits of its period once (one grouped statement, built once per
shape), so its cost follows the period's visits, not the workspace's history. Distinct
visitors cannot be summed from pre-counted blocks the way the call rollups are, which is
why visits have no rollup of their own.

A visit counts in the period it started in. `calls_per_visit` is the group's calls (with
the report's status filter) divided by its visits, null without visits. The group's calls
are counted where the caller is (for places) or by the call's own keys;
`calls_from_visits` counts instead the calls attributed to the group's visits (a call to
the number a visit was shown), whatever their status and wherever the caller's phone is
registered: the calls the website made.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    and_,
    bindparam,
    cast,
    distinct,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from ringtonic.db.reads import PreparedRows
from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, Workspace
from ringtonic.models.website import VisitorSession
from ringtonic.services.reporting.rollup_queries import BlocksFirst, read_report_rows
from ringtonic.services.telephony.campaigns import CampaignRef

_VISITS = VisitorSession.__table__
_CALLS = Call.__table__
_STARTED_AT = _VISITS.c.started_at.type
# The visit columns each report grouping reads (the calls' own keys, as visits hold them).
VISIT_KEYS = {
    "source": ("source",),
    "medium": ("medium",),
    "campaign": ("campaign_id",),
    "tracking_number": ("phone_number_id",),
    "state": ("country", "state"),
    "city": ("country", "state", "city"),
}


@dataclass(frozen=True)
class Visits:
    """How many visits a group had, how many visitors made them and the calls they made."""

    visits: int = 0
    visitors: int = 0
    calls_from_visits: int = 0

    def as_dict(self, calls: int, into: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the visit fields as the API shows them, added to `into` if given."""
        shown = {} if into is None else into
        shown["visits"] = self.visits
        shown["visitors"] = self.visitors
        shown["calls_from_visits"] = self.calls_from_visits
        shown["calls_per_visit"] = round(calls / self.visits, 4) if self.visits else None
        return shown


NO_VISITS = Visits()


def _in_period(by_campaign: bool) -> list[Any]:
    conditions = [
        _VISITS.c.workspace_id == bindparam("workspace_id"),
        _VISITS.c.started_at >= bindparam("start", type_=_VISITS.c.started_at.type),
        _VISITS.c.started_at < bindparam("end", type_=_VISITS.c.started_at.type),
    ]
    if by_campaign:
        conditions.append(_VISITS.c.campaign_id == bindparam("campaign_id"))
    return conditions


def _calls_of_visits() -> Any:
    """Return the sum, over a group's visits, of the calls attributed to each.

    A correlated count per visit (an index search of calls by visitor_session_id), not a
    join: a visit with two calls must still count as one visit.
    """
    calls = (
        select(func.count())
        .where(_CALLS.c.visitor_session_id == _VISITS.c.id)
        .correlate(_VISITS)
        .scalar_subquery()
    )
    # PostgreSQL sums counts as numeric (a Decimal in Python): cast back to an integer.
    return cast(func.coalesce(func.sum(calls), 0), BigInteger)


@functools.lru_cache(maxsize=32)
def _grouped_query(
    keys: tuple[str, ...], widths: tuple[int, ...], by_campaign: bool
) -> PreparedRows:
    """Build (once per shape) the count of a period's visits and visitors per key prefix.

    One statement for every prefix (`widths` of `keys`: a city, its state, everything),
    so a report pays one round trip for its visits, whatever it groups by.
    """
    parts = []
    for width in widths:
        group = [_VISITS.c[name] for name in keys[:width]]
        padding = [null()] * (len(keys) - width)
        parts.append(
            select(
                literal(width),
                *group,
                *padding,
                func.count(),
                func.count(distinct(_VISITS.c.visitor_id)),
                _calls_of_visits(),
            )
            .where(*_in_period(by_campaign))
            .group_by(*group)
        )
    return PreparedRows(union_all(*parts) if len(parts) > 1 else parts[0])


@functools.lru_cache(maxsize=4)
def _series_query(dialect_name: str, by_campaign: bool) -> PreparedRows:
    """Build (once per shape) the count of visits and visitors per range, and over all.

    The ranges are one parameter (as the rollup queries' blocks are), each an index
    search of the visits' (workspace, started_at); the last row (no range) is the total.
    """
    if dialect_name == "postgresql":
        moments = ARRAY(TIMESTAMP(timezone=True))
        wanted = (
            func.unnest(cast(bindparam("starts"), moments), cast(bindparam("ends"), moments))
            .table_valued("start", "end")
            .render_derived("wanted")
        )
        start: ColumnElement[Any] = wanted.c.start
        end: ColumnElement[Any] = wanted.c.end
    else:
        # SQLite: a JSON array of [start, end] pairs, written as the column stores moments.
        wanted = func.json_each(bindparam("ranges")).table_valued("value", name="wanted")
        start = func.json_extract(wanted.c.value, "$[0]")
        end = func.json_extract(wanted.c.value, "$[1]")
    on = [
        _VISITS.c.workspace_id == bindparam("workspace_id"),
        _VISITS.c.started_at >= start,
        _VISITS.c.started_at < end,
    ]
    if by_campaign:
        on.append(_VISITS.c.campaign_id == bindparam("campaign_id"))
    counts = [func.count(), func.count(distinct(_VISITS.c.visitor_id)), _calls_of_visits()]
    per_range = (
        select(start.label("range_start"), *counts)
        .select_from(BlocksFirst(wanted, _VISITS, and_(*on)))
        .group_by(start)
    )
    overall = select(null(), *counts).where(*_in_period(by_campaign))
    return PreparedRows(union_all(per_range, overall))


def _params(
    workspace: Workspace, start: datetime, end: datetime, campaign: Campaign | CampaignRef | None
) -> dict[str, Any]:
    params = {"workspace_id": workspace.id, "start": start, "end": end}
    if campaign is not None:
        params["campaign_id"] = campaign.id
    return params


def visits_by_keys(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    keys: Sequence[str],
    widths: Sequence[int],
    campaign: Campaign | CampaignRef | None = None,
) -> dict[int, dict[tuple[Any, ...], Visits]]:
    """Return, per prefix width of `keys`, the visits started in [start, end) by prefix.

    Width 0 is every visit (key ()). A missing part of a key ("" or a 0 id) is None.
    """
    query = _grouped_query(tuple(keys), tuple(widths), campaign is not None)
    rows = read_report_rows(query, _params(workspace, start, end, campaign))
    found: dict[int, dict[tuple[Any, ...], Visits]] = {width: {} for width in widths}
    for width, *values in rows:
        key = group_key(values[:width])
        visits, visitors, calls = values[-3:]
        # Keys that differ only as "" and NULL are one group, as the calls' are.
        level = found[width]
        before = level.get(key, NO_VISITS)
        level[key] = Visits(
            before.visits + visits, before.visitors + visitors, before.calls_from_visits + calls
        )
    if 0 in found:
        found[0].setdefault((), NO_VISITS)
    return found


def visits_by_range(
    workspace: Workspace,
    ranges: Sequence[tuple[datetime, datetime]],
    campaign: Campaign | CampaignRef | None = None,
) -> tuple[list[Visits], Visits]:
    """Return the visits of each consecutive [start, end) range, and of all of them."""
    if not ranges:
        return [], NO_VISITS
    dialect = db.engine.dialect
    params = _params(workspace, ranges[0][0], ranges[-1][1], campaign)
    if dialect.name == "postgresql":
        params["starts"] = [start for start, _ in ranges]
        params["ends"] = [end for _, end in ranges]
        position = {start: n for n, (start, _) in enumerate(ranges)}
    else:
        # The type as this database sees it: UTC, written as SQLite stores it (text).
        stored = _STARTED_AT.dialect_impl(dialect).bind_processor(dialect)
        pairs = [(stored(start), stored(end)) for start, end in ranges]
        params["ranges"] = json.dumps(pairs)
        position = {start: n for n, (start, _) in enumerate(pairs)}
    series = [NO_VISITS] * len(ranges)
    overall = NO_VISITS
    for range_start, *counts in read_report_rows(
        _series_query(dialect.name, campaign is not None), params
    ):
        if range_start is None:
            overall = Visits(*counts)
        else:
            series[position[range_start]] = Visits(*counts)
    return series, overall


def group_key(values: Sequence[Any]) -> tuple[Any, ...]:
    """Return a report key with its missing parts ("" or a 0 id) as None."""
    return tuple(value if value not in ("", 0) else None for value in values)
