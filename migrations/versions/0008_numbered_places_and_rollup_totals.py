"""numbered places for the place rollup, a rollup by time alone, per-row totals in all

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 23:50:00

The rollups are derived data: they are made anew in the new shape and counted again
from the calls, as 0007 first counted them.
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen copies as of this revision (see models/rollups.py, services/calls/stats.py and
# services/reporting/rollup_spans.py).
SOURCE_SPANS = (900, 3600, 21600, 86400, 345600, 1382400, 5529600, 22118400, 88473600, 353894400)
PLACE_SPANS = SOURCE_SPANS[1:]
STATUSES = ("ringing", "in-progress", "answered", "missed", "busy", "failed", "voicemail")
ANSWERED = ("answered",)
MISSED = ("missed", "busy", "failed", "voicemail")
PLACE_NAMES = ("caller_country", "caller_state", "caller_city", "caller_zip")
PLACE_SIZES = (2, 50, 100, 20)
TOTALS = ("total_calls", "total_answered", "total_missed", "total_first_calls", "total_seconds")


def _counter_columns() -> list[sa.Column]:
    columns = []
    for status in STATUSES:
        prefix = status.replace("-", "_")
        columns += [
            sa.Column(f"{prefix}_calls", sa.Integer(), nullable=False),
            sa.Column(f"{prefix}_first_calls", sa.Integer(), nullable=False),
            sa.Column(f"{prefix}_seconds", sa.BigInteger(), nullable=False),
        ]
    return columns + [
        sa.Column(
            name, sa.BigInteger() if name == "total_seconds" else sa.Integer(), nullable=False
        )
        for name in TOTALS
    ]


def _block_columns(table: str) -> list:
    return [
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("bucket_seconds", sa.Integer(), nullable=False),
        sa.Column("bucket_start", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f(f"fk_{table}_workspace_id_workspaces")
        ),
    ]


def _create_tables() -> None:
    op.create_table(
        "call_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.String(length=size), nullable=False)
            for name, size in zip(PLACE_NAMES, PLACE_SIZES, strict=True)
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_call_places_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_places")),
        sa.UniqueConstraint("workspace_id", *PLACE_NAMES, name=op.f("uq_call_places_workspace_id")),
    )
    op.create_table(
        "call_place_rollups",
        *_block_columns("call_place_rollups"),
        sa.Column("place_id", sa.Integer(), nullable=False),
        *_counter_columns(),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["call_places.id"],
            name=op.f("fk_call_place_rollups_place_id_call_places"),
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "bucket_seconds",
            "bucket_start",
            "campaign_id",
            "place_id",
            name=op.f("pk_call_place_rollups"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "call_time_rollups",
        *_block_columns("call_time_rollups"),
        *_counter_columns(),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "bucket_seconds",
            "bucket_start",
            "campaign_id",
            name=op.f("pk_call_time_rollups"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "call_source_rollups",
        *_block_columns("call_source_rollups"),
        sa.Column("phone_number_id", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("medium", sa.String(length=100), nullable=False),
        *_counter_columns(),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "bucket_seconds",
            "bucket_start",
            "campaign_id",
            "phone_number_id",
            "tracking_number",
            "source",
            "medium",
            name=op.f("pk_call_source_rollups"),
        ),
        sqlite_with_rowid=False,
    )


def _count_stored_calls() -> None:
    """Number the places callers gave and count every stored call into the rollups."""
    names = ", ".join(PLACE_NAMES)
    op.execute(
        f"INSERT INTO call_places (workspace_id, {names}) "
        f"SELECT DISTINCT workspace_id, {names} FROM calls"
    )
    if op.get_bind().dialect.name == "postgresql":
        epoch = "CAST(FLOOR(EXTRACT(EPOCH FROM calls.started_at)) AS BIGINT)"
    else:
        epoch = "CAST(strftime('%s', calls.started_at) AS INTEGER)"
    counters, sums = [], []
    for status in STATUSES:
        prefix = status.replace("-", "_")
        counters += [f"{prefix}_calls", f"{prefix}_first_calls", f"{prefix}_seconds"]
        sums += [
            f"SUM(CASE WHEN status = '{status}' THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN status = '{status}' AND first_call THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN status = '{status}' THEN duration_seconds ELSE 0 END)",
        ]
    answered = ", ".join(f"'{status}'" for status in ANSWERED)
    missed = ", ".join(f"'{status}'" for status in MISSED)
    counters += TOTALS
    sums += [
        "COUNT(*)",
        f"SUM(CASE WHEN status IN ({answered}) THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN status IN ({missed}) THEN 1 ELSE 0 END)",
        "SUM(CASE WHEN first_call THEN 1 ELSE 0 END)",
        "SUM(duration_seconds)",
    ]
    place_match = " AND ".join(f"p.{name} = calls.{name}" for name in PLACE_NAMES)
    shapes = {
        "call_place_rollups": (
            PLACE_SPANS,
            ("place_id",),
            ("p.id",),
            f" JOIN call_places p ON p.workspace_id = calls.workspace_id AND {place_match}",
        ),
        "call_source_rollups": (
            SOURCE_SPANS,
            ("phone_number_id", "tracking_number", "source", "medium"),
            ("COALESCE(phone_number_id, 0)", "tracking_number", "source", "medium"),
            "",
        ),
        "call_time_rollups": (SOURCE_SPANS, (), (), ""),
    }
    for table, (spans, names, keys, join) in shapes.items():
        levels = " UNION ALL ".join(f"SELECT {span} AS span" for span in spans)
        key = ", ".join(
            [
                "calls.workspace_id",
                "span",
                f"{epoch} / span * span",
                "COALESCE(campaign_id, 0)",
                *keys,
            ]
        )
        columns = ", ".join(
            ["workspace_id", "bucket_seconds", "bucket_start", "campaign_id", *names]
        )
        op.execute(
            f"INSERT INTO {table} ({columns}, {', '.join(counters)}) "
            f"SELECT {key}, {', '.join(sums)} FROM calls{join} CROSS JOIN ({levels}) AS spans "
            f"GROUP BY {key}"
        )


def upgrade():
    op.drop_table("call_source_rollups")
    op.drop_table("call_place_rollups")
    _create_tables()
    _count_stored_calls()


def downgrade():
    # Back to 0007's shape, counted again from the calls by 0007's own code.
    path = Path(__file__).with_name("0007_call_rollups.py")
    spec = importlib.util.spec_from_file_location("revision_0007", path)
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    op.drop_table("call_time_rollups")
    op.drop_table("call_source_rollups")
    op.drop_table("call_place_rollups")
    op.drop_table("call_places")
    previous.upgrade()
