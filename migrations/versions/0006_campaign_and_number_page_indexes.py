"""Indexes for newest-first campaign and number pages

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 16:46:46.609920

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaigns_workspace_created", ["workspace_id", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_phone_numbers_workspace_created",
            ["workspace_id", "created_at", "id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_numbers_workspace_created")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_campaigns_workspace_created")
