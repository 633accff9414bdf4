"""visits by period: the (workspace, started_at) index also holds the campaign (and the id)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 21:40:00

A report's ETag counts the visits of its period and notes the newest one's id. With the
campaign in the index (and, on PostgreSQL, the id beside it; SQLite index entries hold
the row id already) that count reads the index alone instead of every visit's row. It
replaces the index of (workspace_id, started_at), which it serves as well: a visit start
still maintains one index of its period, and the campaign is written once, when the
visit is.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE/DROP INDEX (no batch mode): SQLite never copies the table for them.
    op.create_index(
        "ix_visitor_sessions_workspace_started_campaign",
        "visitor_sessions",
        ["workspace_id", "started_at", "campaign_id"],
        unique=False,
        postgresql_include=["id"],
    )
    op.drop_index("ix_visitor_sessions_workspace_started", table_name="visitor_sessions")


def downgrade():
    op.create_index(
        "ix_visitor_sessions_workspace_started",
        "visitor_sessions",
        ["workspace_id", "started_at"],
        unique=False,
    )
    op.drop_index("ix_visitor_sessions_workspace_started_campaign", table_name="visitor_sessions")
