"""calls log sort indexes

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-04 09:45:00

The calls log sorts by duration and status as well as time; each order pages by keyset on
its own (workspace_id, column, id) index, so a deep page costs what the first does.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calls") as batch_op:
        batch_op.create_index(
            "ix_calls_workspace_duration", ["workspace_id", "duration_seconds", "id"], unique=False
        )
        batch_op.create_index(
            "ix_calls_workspace_status", ["workspace_id", "status", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("calls") as batch_op:
        batch_op.drop_index("ix_calls_workspace_status")
        batch_op.drop_index("ix_calls_workspace_duration")
