"""sign-in sessions kept on the server

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 07:00:00

Signing out deletes the browser's row, so a copied session cookie stops working at once;
rows unused for the idle timeout, or older than the absolute limit, no longer sign anyone in.
"""

import sqlalchemy as sa
from alembic import op

import ringtonic.models.types  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", ringtonic.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_seen_at", ringtonic.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_in_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_sessions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_sign_in_sessions_token_digest")),
    )
    with op.batch_alter_table("sign_in_sessions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_sessions_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sign_in_sessions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_sessions_user_id"))
    op.drop_table("sign_in_sessions")
