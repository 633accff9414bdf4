"""workspace data versions: a per-workspace marker of report input changes (report ETags)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 14:45:00

Every write that changes what the reports count bumps its workspace's row in the same
transaction, so a report's ETag is one primary-key read instead of a hash of the body.
"""

import sqlalchemy as sa
from alembic import op

import ringtonic.models.types  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "workspace_data_versions",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", ringtonic.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("workspace_id"),
    )


def downgrade():
    op.drop_table("workspace_data_versions")
