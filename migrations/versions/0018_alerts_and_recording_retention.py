"""e-mail alert preferences, the alert log, recording retention

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 10:00:00

One preference row per user and workspace; one alert_deliveries row per alert, unique per
user, kind and subject, so an alert goes once; recording retention per workspace.
"""

import sqlalchemy as sa
from alembic import op

import ringtonic.models.types  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UTC_TIME = ringtonic.models.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "alert_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("missed_call", sa.Boolean(), nullable=False),
        sa.Column("voicemail", sa.Boolean(), nullable=False),
        sa.Column("first_time_caller", sa.Boolean(), nullable=False),
        sa.Column("blocked_spike", sa.Boolean(), nullable=False),
        sa.Column("active_since", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_alert_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_alert_preferences_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_preferences")),
        sa.UniqueConstraint("user_id", "workspace_id", name="uq_alert_preferences_user_workspace"),
    )
    with op.batch_alter_table("alert_preferences") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_preferences_workspace_id"), ["workspace_id"], unique=False
        )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("sent_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_alert_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_alert_deliveries_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_alert_deliveries_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("user_id", "kind", "subject", name="uq_alert_deliveries_user_subject"),
    )
    with op.batch_alter_table("alert_deliveries") as batch_op:
        batch_op.create_index(
            "ix_alert_deliveries_status_next", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_alert_deliveries_call", ["call_id", "user_id", "kind"], unique=False
        )
    op.create_table(
        "recording_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_recording_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_recording_settings_workspace_id")),
    )


def downgrade():
    op.drop_table("recording_settings")
    with op.batch_alter_table("alert_deliveries") as batch_op:
        batch_op.drop_index("ix_alert_deliveries_call")
        batch_op.drop_index("ix_alert_deliveries_status_next")
    op.drop_table("alert_deliveries")
    with op.batch_alter_table("alert_preferences") as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_preferences_workspace_id"))
    op.drop_table("alert_preferences")
