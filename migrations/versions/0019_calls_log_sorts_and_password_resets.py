"""calls log sort indexes; password reset links

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 09:45:00

The calls log sorts by duration and status as well as time; each order pages by keyset on
its own (workspace_id, column, id) index, so a deep page costs what the first does.
A forgotten password is reset through a single-use, short-lived link; only its SHA-256
is stored.
"""

import sqlalchemy as sa
from alembic import op

import ringtonic.models.types  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", ringtonic.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ringtonic.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", ringtonic.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("requested_ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_password_resets_token_digest")),
    )
    with op.batch_alter_table("password_resets") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False
        )
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
    with op.batch_alter_table("password_resets") as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_resets_user_id"))
    op.drop_table("password_resets")
