"""Counting calls over periods from the rollups, plus period edges that fall between blocks.

The answer never depends on how much history a workspace has: a period reads a dozen
or so blocks per key whatever its length, and only the slivers of a period that starts
or ends between blocks (an exact instant, or a :30 zone's midnight for places) are
counted from the calls table, through its (workspace, started_at) index.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import product
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Executable,
    Integer,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import FromLinter, SQLCompiler
from sqlalchemy.sql.elements import Cast
from sqlalchemy.sql.selectable import FromClause, Join, TableValuedAlias

from ringtonic.db.engines import reads_engine
from ringtonic.db.reads import PreparedRows
from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, Workspace
from ringtonic.models.rollups import (
    PLACE_NAMES,
    TOTAL_COLUMNS,
    CallPlaceRollup,
    CallSourceRollup,
    CallTimeRollup,
    NumberedPlace,
    status_column_prefix,
)
from ringtonic.models.telephony import CALL_STATUSES
from ringtonic.services.calls.stats import (
    ANSWERED_STATUSES,
    MISSED_STATUSES,
    Counters,
    counted_in_reports,
    counter_columns,
    counters_from,
    statuses_of,
)
from ringtonic.services.reporting.rollup_blocks import (
    Cover,
    cover_ranges,
    epoch_floor,
)
from ringtonic.services.reporting.rollups import RollupModel, block_sizes_of, call_key
from ringtonic.services.telephony.campaigns import CampaignRef

ID_KEYS = frozenset(("campaign_id", "phone_number_id"))
# Up to this many ranges, looking up the workspace's first and last call costs more
# than counting the ranges outside its history would.
SHORT_SERIES = 64


def _read(
    query: PreparedRows | Executable, params: Mapping[str, Any] | None = None
) -> Sequence[Any]:
    """Run a report query and return its rows.

    Reports only read. When the request has no transaction of its own, a query runs
    outside the session, so the request never opens one for a report: on a connection of
    the reads engine's pool (db.engines.reads_engine; on PostgreSQL autocommit, so no BEGIN
    and ROLLBACK round trips, which cost a report answer more than its rollup query),
    rollup queries compiled once (PreparedRows). Each statement
    sees committed data either way (read committed); inside a transaction, reports see
    its own writes.
    """
    engine = db.engine
    # has(): no session yet means no transaction, and none is made just to ask.
    if db.session.registry.has() and db.session().in_transaction():
        statement = query.statement if isinstance(query, PreparedRows) else query
        return db.session.execute(statement, params).all()
    if isinstance(query, PreparedRows):
        return query.all(engine, params)
    with reads_engine(engine).connect() as connection:
        return connection.execute(query, params).all()


# Other report readers (visits) read the same way.
read_report_rows = _read


@functools.lru_cache(maxsize=256)
def _cover(ranges: tuple[tuple[datetime, datetime], ...], sizes: tuple[int, ...]) -> Cover:
    """Cover ranges with blocks (cached: the same periods come back; callers never change it).

    A series of 30 local days in a zone west of UTC is 136 blocks, found again on every
    refresh of the same report.
    """
    return cover_ranges(ranges, sizes)


COUNTER_FIELDS = ("calls", "answered", "missed", "first_time_callers", "total_duration")


def _counter_expressions(table: FromClause, status: str | None) -> list[Any]:
    """Return, per rollup row, the five values that fill a Counters, in its field order."""
    if status is None:
        return [table.c[name] for name in TOTAL_COLUMNS]

    def total(kind: str, among: Sequence[str]) -> ColumnElement[Any]:
        columns = [
            table.c[f"{status_column_prefix(s)}_{kind}"] for s in statuses_of(status) if s in among
        ]
        if not columns:
            return literal_column("0")
        expression: ColumnElement[Any] = columns[0]
        for column in columns[1:]:
            expression = expression + column
        return expression

    return [
        total("calls", CALL_STATUSES),
        total("calls", ANSWERED_STATUSES),
        total("calls", MISSED_STATUSES),
        total("first_calls", CALL_STATUSES),
        total("seconds", CALL_STATUSES),
    ]


def _total(column: ColumnElement[Any]) -> Cast[int]:
    # Cast: PostgreSQL sums BIGINT columns as NUMERIC, which would arrive as Decimal.
    return cast(func.sum(column), BigInteger)


def _wanted_blocks(
    dialect_name: str,
) -> tuple[TableValuedAlias, ColumnElement[Any], ColumnElement[Any]]:
    """Return the blocks a query reads, as a table of (size, start) from its parameters.

    The whole list is one or two parameters, so a rollup query has one statement for
    any period (on PostgreSQL, one prepared statement and plan), and each block is one
    search of the rollup's primary key. IN lists of starts, one per block size, made a
    statement per combination of list lengths, had to be expanded on every run (30 us)
    and cost SQLite a temporary index per list (a geo-data read: 600 us against 545).
    """
    if dialect_name == "postgresql":
        sizes = cast(bindparam("block_sizes"), ARRAY(Integer))
        starts = cast(bindparam("block_starts"), ARRAY(BigInteger))
        wanted = func.unnest(sizes, starts).table_valued("size", "start").render_derived("wanted")
        return wanted, wanted.c.size, wanted.c.start
    # SQLite: a JSON array of [size, start] pairs.
    wanted = func.json_each(bindparam("blocks")).table_valued("value", name="wanted")
    pair = wanted.c.value
    return wanted, func.json_extract(pair, "$[0]"), func.json_extract(pair, "$[1]")


class _BlocksFirst(Join):
    """The wanted blocks joined to a rollup, read block by block on every database."""

    onclause: ColumnElement[bool]  # always given: blocks join their rollup ON its key
    inherit_cache = True


# Other report readers (visits) join their wanted ranges the same way.
BlocksFirst = _BlocksFirst


@compiles(_BlocksFirst, "sqlite")
def _blocks_first_on_sqlite(
    join: _BlocksFirst,
    compiler: SQLCompiler,
    asfrom: bool = False,
    from_linter: FromLinter | None = None,
    **kw: Any,
) -> str:
    # SQLite never reorders the sides of a CROSS JOIN. Left to choose, it walked a
    # workspace's whole rollup in key order whenever that spared it sorting the groups
    # (a series grouped by block), searching the block list for every row: 115 ms
    # instead of 0.1 for 30 days on 1M calls. (PostgreSQL reads the blocks first anyway.)
    if from_linter:
        from_linter.edges.update(product(join.left._from_objects, join.right._from_objects))
    left = join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    right = join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
    on = join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw)
    return f"{left} CROSS JOIN {right} ON {on}"


def block_params(dialect_name: str, blocks: dict[int, list[int]]) -> dict[str, Any]:
    """Return the parameters `_wanted_blocks` reads the blocks from."""
    if dialect_name == "postgresql":
        sizes = [size for size, starts in blocks.items() for _ in starts]
        starts = [start for block_starts in blocks.values() for start in block_starts]
        return {"block_sizes": sizes, "block_starts": starts}
    pairs = ",".join(f"[{size},{start}]" for size, starts in blocks.items() for start in starts)
    return {"blocks": f"[{pairs}]"}


@functools.lru_cache(maxsize=256)
def rollup_query(
    model: RollupModel,
    keys: tuple[str, ...],
    by_campaign: bool,
    status: str | None,
    dialect_name: str,
) -> PreparedRows:
    """Build (once per shape) the query summing a rollup's wanted blocks by key.

    Blocks, workspace and campaign are parameters, so every period reuses one
    statement: building it costs more than running it.
    """
    table = model.__table__
    places = model is CallPlaceRollup
    # Places are grouped by their number first; their names are joined to the groups.
    group = [table.c[name] for name in (("place_id",) if places else keys)]
    wanted, size, start = _wanted_blocks(dialect_name)
    on = [
        table.c.workspace_id == bindparam("workspace_id"),
        table.c.block_seconds == size,
        table.c.block_start == start,
    ]
    if by_campaign:
        on.append(table.c.campaign_id == bindparam("campaign_id"))
    values = _counter_expressions(table, status)
    sums = [_total(value).label(name) for value, name in zip(values, COUNTER_FIELDS, strict=True)]
    # Rows whose calls all moved away (a status change) hold zeros; they are no group.
    query = (
        select(*group, *sums)
        .select_from(_BlocksFirst(wanted, table, and_(*on)))
        .group_by(*group)
        .having(sums[0] > 0)
    )
    if not places:
        return PreparedRows(query)
    by_place = query.subquery("by_place")
    place = NumberedPlace.__table__
    names = [place.c[name] for name in keys]
    counters = [by_place.c[name] for name in COUNTER_FIELDS]
    named = select(*names).join_from(by_place, place, place.c.id == by_place.c.place_id)
    if len(keys) == len(PLACE_NAMES):
        return PreparedRows(named.add_columns(*counters))  # a place is one group already
    return PreparedRows(named.add_columns(*(_total(c) for c in counters)).group_by(*names))


def _rollup_rows(
    model: RollupModel,
    workspace: Workspace,
    blocks: dict[int, list[int]],
    keys: Sequence[str],
    campaign: Campaign | CampaignRef | None,
    status: str | None,
) -> Sequence[Any]:
    """Return (key values..., five counters) rows summed over `blocks` (starts by size)."""
    if not blocks:
        return []
    dialect_name = db.engine.dialect.name
    # Classes hash by identity; mypy checks a type[...] against Hashable with the instance's
    # __hash__ and wrongly refuses it (a mypy false positive).
    query = rollup_query(model, tuple(keys), campaign is not None, status, dialect_name)  # type: ignore[arg-type]
    params = block_params(dialect_name, blocks)
    params["workspace_id"] = workspace.id
    if campaign is not None:
        params["campaign_id"] = campaign.id
    return _read(query, params)


def _sliver_rows(
    workspace: Workspace,
    slivers: Iterable[tuple[datetime, datetime]],
    keys: Sequence[str],
    campaign: Campaign | CampaignRef | None,
    status: str | None,
) -> Iterator[Any]:
    """Yield (key values..., five counters) counted from the calls in each sliver."""
    group = [call_key(name) for name in keys]
    for start, end in slivers:
        query = (
            select(*group, *counter_columns())
            .where(Call.workspace_id == workspace.id, Call.started_at >= start)
            .where(Call.started_at < end, counted_in_reports())
            .group_by(*group)
        )
        if campaign is not None:
            query = query.where(Call.campaign_id == campaign.id)
        if status is not None:
            query = query.where(Call.status.in_(statuses_of(status)))
        yield from _read(query)


def _key(values: tuple[Any, ...], keys: Sequence[str]) -> tuple[Any, ...]:
    # Rollups store a missing id as 0; callers see None, as the calls table has it.
    if not ID_KEYS.intersection(keys):
        return values
    pairs = zip(keys, values, strict=True)
    return tuple((value or None) if name in ID_KEYS else value for name, value in pairs)


def counts_by_key(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    model: type[CallPlaceRollup] | type[CallSourceRollup] | type[CallTimeRollup],
    keys: Sequence[str],
    campaign: Campaign | CampaignRef | None = None,
    status: str | None = None,
) -> list[tuple[tuple[Any, ...], Counters]]:
    """Return (key, counters) for the calls in [start, end), ordered by key."""
    cover = _cover(((start, end),), tuple(block_sizes_of(model)))
    width = len(keys)
    groups: dict[tuple[Any, ...], Counters] = {}
    for row in (
        *_rollup_rows(model, workspace, cover.blocks, keys, campaign, status),
        *_sliver_rows(workspace, cover.slivers, keys, campaign, status),
    ):
        key, counters = tuple(row[:width]), counters_from(row[width:])
        found = groups.get(key)
        if found is None:
            groups[key] = counters
        else:
            found.add(counters)
    # Sorted as stored (a missing id is 0, first), so the order never depends on the database.
    return [(_key(key, keys), counters) for key, counters in sorted(groups.items())]


@functools.cache
def _history_bounds() -> PreparedRows:
    """Build, once, the read of a workspace's first and last call (two index lookups)."""
    in_workspace = Call.workspace_id == bindparam("workspace_id")
    return PreparedRows(
        select(
            select(func.min(Call.started_at)).where(in_workspace).scalar_subquery(),
            select(func.max(Call.started_at)).where(in_workspace).scalar_subquery(),
        )
    )


def _first_and_last_call(workspace: Workspace) -> tuple[datetime | None, datetime | None]:
    """Return when the workspace's first and last calls started."""
    bounds: tuple[datetime | None, datetime | None] = _read(
        _history_bounds(), {"workspace_id": workspace.id}
    )[0]
    return bounds


@functools.lru_cache(maxsize=256)
def _starts(ranges: tuple[tuple[datetime, datetime], ...]) -> list[int]:
    """Return where each range starts, in epoch seconds (cached like the covers; read-only)."""
    return [epoch_floor(start) for start, _ in ranges]


def counts_by_range(
    workspace: Workspace,
    ranges: Sequence[tuple[datetime, datetime]],
    campaign: Campaign | CampaignRef | None = None,
    status: str | None = None,
) -> list[Counters]:
    """Return the counters of each of several consecutive, disjoint [start, end) ranges."""
    ranges = tuple(ranges)
    with_calls = ranges
    if len(ranges) > SHORT_SERIES:
        first, last = _first_and_last_call(workspace)
        # Ranges outside the workspace's history are zero: a series over "all time" then
        # costs what its months with calls cost, not what its 300 empty ones would.
        with_calls = tuple(
            (s, e)
            for s, e in ranges
            if first is not None and last is not None and s <= last and e > first
        )
    cover = _cover(with_calls, tuple(block_sizes_of(CallTimeRollup)))
    starts = _starts(ranges)
    counters = [Counters() for _ in ranges]
    keys = ("block_seconds", "block_start")
    for _, block_start, *values in _rollup_rows(
        CallTimeRollup, workspace, cover.blocks, keys, campaign, status
    ):
        # A block lies inside one range: the last range starting at or before it.
        counters[bisect_right(starts, block_start) - 1].add(counters_from(values))
    for sliver_start, sliver_end in cover.slivers:
        rows = _sliver_rows(workspace, [(sliver_start, sliver_end)], (), campaign, status)
        position = bisect_right(starts, epoch_floor(sliver_start)) - 1
        for values in rows:
            counters[position].add(counters_from(values))
    return counters
