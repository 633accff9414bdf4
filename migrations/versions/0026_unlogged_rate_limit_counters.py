"""rate limit counters unlogged on PostgreSQL: no write-ahead log for counts that expire

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 01:15:00

Every API request and tracker visit writes a counter row whose whole life is one rate
limit window. PostgreSQL then writes each change twice (the table and the write-ahead
log) and flushes the log at commit. An unlogged table skips the log: after a crash of
the database server (not a clean restart) it comes back empty, so the windows that were
running start again from zero, at most one window's worth of requests more for a key or
an address. SQLite has no such table kind and keeps its counters as they are.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rate_limit_counters SET UNLOGGED")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rate_limit_counters SET LOGGED")
