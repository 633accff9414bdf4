"""api key generations: a per-account counter that invalidates cached API keys

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 17:45:00

Each worker keeps the keys it verified in memory; a cached key is used only while its
account's generation is the one it was read with. Every change that can alter what a
key may do (revoke, abilities, plan, workspace, account) bumps the row in the same
transaction, so every worker and host sees it on the next request.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_key_generations",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade():
    op.drop_table("api_key_generations")
