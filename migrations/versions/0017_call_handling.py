"""call handling: blocked numbers and blocked calls, campaign call flows, recordings

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-04 10:00:00

Calls gain `spam` (marked as spam: out of reports) and `flow_stage` (how far the
campaign's call flow took the call), both added in place. The status CHECK gains
'spam_gate_failed' (a caller who did not press the gate's key); on SQLite changing a
CHECK rebuilds the calls table once.
"""

import sqlalchemy as sa
from alembic import op

import ringtonic.models.types  # noqa: F401  (custom column types)

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC = ringtonic.models.types.UTCDateTime(timezone=True)
OLD_STATUSES = "'ringing', 'in-progress', 'answered', 'missed', 'busy', 'failed', 'voicemail'"
NEW_STATUSES = OLD_STATUSES + ", 'spam_gate_failed'"


def _status_check(statuses: str) -> None:
    with op.batch_alter_table("calls") as batch_op:
        batch_op.drop_constraint(op.f("ck_calls_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_calls_status"), f"status IN ({statuses})")


def upgrade():
    # NOT NULL with defaults: SQLite adds such columns in place.
    op.add_column(
        "calls", sa.Column("spam", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "calls", sa.Column("flow_stage", sa.String(length=16), nullable=False, server_default="")
    )
    _status_check(NEW_STATUSES)

    op.create_table(
        "blocked_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint(
            "reason IN ('spam', 'harassment', 'wrong_number', 'telemarketer', 'competitor', "
            "'other')",
            name=op.f("ck_blocked_numbers_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_blocked_numbers_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_blocked_numbers_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_blocked_numbers_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_numbers")),
        sa.UniqueConstraint("uuid", name=op.f("uq_blocked_numbers_uuid")),
    )
    op.create_index("ix_blocked_numbers_account_id", "blocked_numbers", ["account_id"])
    op.create_index(
        "uq_blocked_numbers_workspace_number",
        "blocked_numbers",
        ["workspace_id", "number"],
        unique=True,
        sqlite_where=sa.text("workspace_id IS NOT NULL"),
        postgresql_where=sa.text("workspace_id IS NOT NULL"),
    )
    op.create_index(
        "uq_blocked_numbers_account_number",
        "blocked_numbers",
        ["account_id", "number"],
        unique=True,
        sqlite_where=sa.text("workspace_id IS NULL"),
        postgresql_where=sa.text("workspace_id IS NULL"),
    )

    op.create_table(
        "blocked_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("phone_number_id", sa.Integer(), nullable=True),
        sa.Column("blocked_number_id", sa.Integer(), nullable=True),
        sa.Column("caller_number", sa.String(length=16), nullable=False),
        sa.Column("tracking_number", sa.String(length=16), nullable=False),
        sa.Column("provider_call_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("attempted_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_blocked_calls_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["phone_number_id"],
            ["phone_numbers.id"],
            name=op.f("fk_blocked_calls_phone_number_id_phone_numbers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["blocked_number_id"],
            ["blocked_numbers.id"],
            name=op.f("fk_blocked_calls_blocked_number_id_blocked_numbers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_calls")),
    )
    op.create_index(
        "uq_blocked_calls_workspace_sid",
        "blocked_calls",
        ["workspace_id", "provider_call_id"],
        unique=True,
    )
    op.create_index(
        "ix_blocked_calls_workspace_attempted",
        "blocked_calls",
        ["workspace_id", "attempted_at", "id"],
    )
    op.create_index("ix_blocked_calls_attempted", "blocked_calls", ["attempted_at"])

    op.create_table(
        "call_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("gate_enabled", sa.Boolean(), nullable=False),
        sa.Column("gate_prompt", sa.String(length=300), nullable=False),
        sa.Column("hours_enabled", sa.Boolean(), nullable=False),
        sa.Column("weekly_hours", sa.JSON(), nullable=False),
        sa.Column("closed_days", sa.JSON(), nullable=False),
        sa.Column("after_hours_action", sa.String(length=16), nullable=False),
        sa.Column("after_hours_number", sa.String(length=16), nullable=False),
        sa.Column("whisper_enabled", sa.Boolean(), nullable=False),
        sa.Column("whisper_text", sa.String(length=300), nullable=False),
        sa.Column("recording_enabled", sa.Boolean(), nullable=False),
        sa.Column("consent_enabled", sa.Boolean(), nullable=False),
        sa.Column("consent_text", sa.String(length=300), nullable=False),
        sa.Column("voicemail_enabled", sa.Boolean(), nullable=False),
        sa.Column("voicemail_greeting", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.CheckConstraint(
            "after_hours_action IN ('forward', 'voicemail')",
            name=op.f("ck_call_flows_after_hours_action"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_call_flows_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_flows")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_call_flows_campaign_id")),
    )

    op.create_table(
        "call_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("provider_recording_sid", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("media_url", sa.String(length=500), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("provider_status", sa.String(length=16), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("transcript_status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("storage_key", sa.String(length=500), nullable=True),
        sa.Column("copied_at", UTC, nullable=True),
        sa.Column("copy_attempts", sa.Integer(), nullable=False),
        sa.Column("next_copy_at", UTC, nullable=True),
        sa.Column("last_copy_error", sa.String(length=500), nullable=False),
        sa.Column("deleted_from_provider_at", UTC, nullable=True),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("expired_at", UTC, nullable=True),
        sa.CheckConstraint("kind IN ('call', 'voicemail')", name=op.f("ck_call_recordings_kind")),
        sa.CheckConstraint("duration_seconds >= 0", name=op.f("ck_call_recordings_duration")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_call_recordings_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_recordings_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_recordings")),
        sa.UniqueConstraint(
            "provider_recording_sid", name=op.f("uq_call_recordings_provider_recording_sid")
        ),
    )
    op.create_index("ix_call_recordings_call", "call_recordings", ["call_id"])
    op.create_index(
        "ix_call_recordings_workspace_created", "call_recordings", ["workspace_id", "created_at"]
    )
    op.create_index(
        "ix_call_recordings_copy_due",
        "call_recordings",
        ["next_copy_at"],
        sqlite_where=sa.text("copied_at IS NULL AND next_copy_at IS NOT NULL"),
        postgresql_where=sa.text("copied_at IS NULL AND next_copy_at IS NOT NULL"),
    )


def downgrade():
    op.drop_table("call_recordings")
    op.drop_table("call_flows")
    op.drop_table("blocked_calls")
    op.drop_table("blocked_numbers")
    op.execute(sa.text("UPDATE calls SET status = 'missed' WHERE status = 'spam_gate_failed'"))
    _status_check(OLD_STATUSES)
    op.drop_column("calls", "flow_stage")
    op.drop_column("calls", "spam")
