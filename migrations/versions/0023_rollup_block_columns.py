"""rollup block columns: bucket_start/bucket_seconds become block_start/block_seconds

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-04 17:40:00

The code calls a rollup's time range a block (services/reporting/rollup_blocks.py) and
keeps "bucket" for a point of an API time series; the stored names now say the same.
RENAME COLUMN keeps the primary key and its index on both databases (SQLite 3.25+).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLES = ("call_place_rollups", "call_time_rollups", "call_source_rollups")
RENAMES = (("bucket_seconds", "block_seconds"), ("bucket_start", "block_start"))


def upgrade():
    for table in TABLES:
        for old, new in RENAMES:
            op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")


def downgrade():
    for table in TABLES:
        for old, new in RENAMES:
            op.execute(f"ALTER TABLE {table} RENAME COLUMN {new} TO {old}")
