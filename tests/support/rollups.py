"""The rollup rows of a workspace as plain tuples, comparable across schema revisions."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, select

from ringtonic.extensions import db
from ringtonic.models import CallPlaceRollup, NumberedPlace
from ringtonic.models.rollups import COUNTER_COLUMNS, PLACE_NAMES
from ringtonic.services.reporting.rollups import ROLLUPS

# The block columns before migration 0023.
OLD_BLOCK_NAMES = {"block_seconds": "bucket_seconds", "block_start": "bucket_start"}


def rollup_rows(workspace_id: int) -> list[tuple]:
    """Return the workspace's rollup rows that count something, places named, in key order."""
    rows = []
    places = NumberedPlace.__table__
    for model in ROLLUPS:
        # The table as the database has it now: migrations below 0023 name the block
        # columns bucket_*. Read in the model's column order so every revision compares.
        table = Table(model.__tablename__, MetaData(), autoload_with=db.session.connection())
        columns = model.__table__.c
        names = [c.name if c.name in table.c else OLD_BLOCK_NAMES[c.name] for c in columns]
        query = select(*(table.c[name] for name in names)).where(
            table.c.workspace_id == workspace_id
        )
        if model is CallPlaceRollup:
            # Numbers are the workspace's own and a rebuild numbers afresh: compare names.
            query = query.join(places, places.c.id == table.c.place_id).add_columns(
                *(places.c[name] for name in PLACE_NAMES)
            )
        for row in db.session.execute(query):
            values = row._mapping
            counters = [values[name] for name in COUNTER_COLUMNS]
            assert min(counters) >= 0, f"negative counter in {row}"
            if any(counters):
                key = [v for name, v in values.items() if name not in ("place_id", "id")]
                rows.append((model.__tablename__, *key))
    return sorted(rows)
