"""Seeding a bench workspace's calls fast: bulk loads, then the rollups built level by level.

The demo seeder's own path (`insert_calls`: insert a batch, fold it into every block size
of every rollup) keeps the rollups right while the app serves; a throwaway bench database
only needs them right at the end. So the calls go in as one bulk load (COPY on
PostgreSQL; one executemany transaction on SQLite with journaling and syncing off), and
each rollup is counted once from the calls at its smallest block size, then each larger
size from the one below (every size divides the next). `bench.seed.verify` seeds a sample
both ways and compares the stored calls and rollups, so a difference from the app's path
fails the seeding.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Integer, bindparam, func, insert, literal_column, select

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.models.rollups import COUNTER_COLUMNS, PLACE_NAMES, NumberedPlace
from ringtonic.services.calls.stats import counted_in_reports, epoch_seconds
from ringtonic.services.reporting import rollups
from ringtonic.services.reporting.data_versions import bump_data_version

CALLS = Call.__table__
# Columns the generator leaves to their defaults (a bulk load applies no Python defaults).
_DEFAULTS = {
    "outcome_source": "",
    "spam": False,
    "flow_stage": "",
    "import_id": None,
    "visitor_session_id": None,
}
_COPY_COLUMNS = [c.name for c in CALLS.columns if c.name != "id"]


def _postgres_rows(batches: Iterable[list[dict[str, Any]]]) -> Iterator[tuple]:
    from psycopg.types.json import Json

    empty = Json([])
    for rows in batches:
        for row in rows:
            values = {**_DEFAULTS, **row, "tags": empty if not row["tags"] else Json(row["tags"])}
            yield tuple(values[name] for name in _COPY_COLUMNS)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, list):
        return json.dumps(value)
    return value


def _sqlite_rows(rows: list[dict[str, Any]]) -> Iterator[tuple]:
    for row in rows:
        values = {**_DEFAULTS, **row}
        yield tuple(_sqlite_value(values[name]) for name in _COPY_COLUMNS)


def load_calls(batches: Iterable[list[dict[str, Any]]], progress) -> None:
    """Bulk-load generated calls (no rollup upkeep): COPY on PostgreSQL, executemany on SQLite."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None  # a checked-out connection has its psycopg connection
        copy_sql = f"COPY calls ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
        with driver.cursor().copy(copy_sql) as copy:
            for n, row in enumerate(_postgres_rows(batches), 1):
                copy.write_row(row)
                if n % 10_000 == 0:
                    progress(10_000)
        return
    # Building an index once over a million rows beats keeping eight up to date row by
    # row (three times faster at 100,000 calls); the unique constraints' stay.
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master"
        " WHERE tbl_name = 'calls' AND type = 'index' AND sql IS NOT NULL"
    ).all()
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    # Values as SQLAlchemy's SQLite types store them (`verify` compares the stored rows),
    # built in one tight loop: its bind processing per value was most of the load.
    columns = ", ".join(_COPY_COLUMNS)
    marks = ", ".join("?" for _ in _COPY_COLUMNS)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for rows in batches:
        cursor.executemany(
            f"INSERT INTO calls ({columns}) VALUES ({marks})", list(_sqlite_rows(rows))
        )
        progress(len(rows))
    for _, sql in indexes:
        connection.exec_driver_sql(sql)


def _bottom_level(model, size: int):
    """Count the workspace's calls into `model` at its smallest block size."""
    key = [
        CALLS.c.workspace_id,
        literal_column(str(size), Integer),
        epoch_seconds(CALLS.c.started_at) // size * size,
        *rollups.rollup_key_columns(model),
    ]
    calls = (
        CALLS.join(rollups.PLACES, rollups.CALL_PLACE)
        if model is rollups.CallPlaceRollup
        else CALLS
    )
    rows = (
        select(*key, *rollups.counter_sums(1))
        .select_from(calls)
        .where(CALLS.c.workspace_id == bindparam("workspace_id"), counted_in_reports())
        # Not the size: GROUP BY a number means "by that column of the select list".
        .group_by(key[0], *key[2:])
    )
    table = model.__table__
    names = [column.name for column in table.primary_key.columns]
    return insert(table).from_select([*names, *COUNTER_COLUMNS], rows)


def _level_above(model, size: int, below: int):
    """Count `model`'s blocks of `size` from its blocks of the size below."""
    table = model.__table__
    names = [column.name for column in table.primary_key.columns]
    rest = [table.c[name] for name in names[names.index("campaign_id") :]]
    key = [
        table.c.workspace_id,
        literal_column(str(size), Integer),
        table.c.block_start // size * size,
        *rest,
    ]
    rows = (
        select(*key, *(func.sum(table.c[name]) for name in COUNTER_COLUMNS))
        .where(
            table.c.workspace_id == bindparam("workspace_id"),
            table.c.block_seconds == below,
        )
        .group_by(key[0], *key[2:])
    )
    return insert(table).from_select([*names, *COUNTER_COLUMNS], rows)


def build_rollups(workspace_id: int) -> None:
    """Count a workspace's stored calls into the (empty) rollups, as the app's upkeep would."""
    connection = db.session.connection()
    rollups.lock_rollups(workspace_id)
    first, last = connection.execute(
        select(func.min(CALLS.c.id), func.max(CALLS.c.id)).where(
            CALLS.c.workspace_id == workspace_id
        )
    ).one()
    if first is None:
        return
    connection.execute(
        rollups.new_places_statement("id_range", connection.dialect.name),
        {"workspace_id": workspace_id, "first_id": first, "last_id": last},
    )
    for model in rollups.ROLLUPS:
        sizes = rollups.block_sizes_of(model)
        params = {"workspace_id": workspace_id}
        connection.execute(_bottom_level(model, sizes[0]), params)
        for below, size in zip(sizes, sizes[1:], strict=False):
            connection.execute(_level_above(model, size, below), params)
    bump_data_version(workspace_id)


def bulk_session_settings(connection: Connection) -> None:
    """Settings for a throwaway database while it is being seeded (never for a served one)."""
    if connection.dialect.name == "sqlite":
        # The app's engine puts the file back in WAL mode when a server connects.
        mode = connection.exec_driver_sql("PRAGMA journal_mode=OFF").scalar()
        if mode != "off":
            raise SystemExit(f"SQLite kept journal_mode={mode} for seeding")
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
        connection.exec_driver_sql("PRAGMA cache_size=-262144")
    else:
        connection.exec_driver_sql("SET synchronous_commit TO off")
        # The rollups' GROUP BY over a million calls: hash in memory, not sort on disk.
        connection.exec_driver_sql("SET work_mem TO '256MB'")


def rollup_rows(workspace_id: int) -> dict[str, list[tuple]]:
    """Return every rollup row of a workspace, places by their names (numbers differ by path)."""
    connection = db.session.connection()
    places = NumberedPlace.__table__
    found = {}
    for model in rollups.ROLLUPS:
        table = model.__table__
        columns = [c for c in table.columns if c.name != "place_id"]
        query = select(*columns).where(table.c.workspace_id == workspace_id)
        if model is rollups.CallPlaceRollup:
            query = query.join(places, places.c.id == table.c.place_id).add_columns(
                *(places.c[name] for name in PLACE_NAMES)
            )
        found[table.name] = sorted(tuple(row) for row in connection.execute(query))
    # The calls as stored (driver values, not the ORM's): both loads must write the same.
    stored = connection.exec_driver_sql(
        f"SELECT {', '.join(_COPY_COLUMNS)} FROM calls WHERE workspace_id = {int(workspace_id)}"
    )
    found["calls"] = sorted(tuple(str(value) for value in row) for row in stored)
    return found
