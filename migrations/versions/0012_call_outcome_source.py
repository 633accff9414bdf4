"""which of Twilio's legs decided a call's outcome

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 08:00:00

A forwarded call's outcome is decided by Dial's report of the dialed leg whenever one
arrives; the caller's leg (the number's status callback) decides only when none does.
Callbacks arrive in any order, so each call remembers which leg decided it:
`outcome_source` is "" (only the incoming call is known), "caller" or "dial". Existing
calls get "": a callback still on its way when the upgrade runs is folded by the new
rule. No CHECK constraint: on SQLite adding one would rebuild the calls table, the
largest there is; only services/calls/ingest.py writes the column.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # NOT NULL with a default: SQLite adds such a column in place, without a rebuild.
    op.add_column(
        "calls",
        sa.Column("outcome_source", sa.String(length=8), nullable=False, server_default=""),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("calls", "outcome_source", server_default=None)


def downgrade():
    op.drop_column("calls", "outcome_source")
