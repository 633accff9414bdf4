"""call imports: a record per CSV import, and the import each imported call came from

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 07:00:00

Imports now write in short transactions so that live calls never wait on them; the
record lets a half-written import be rolled back and keeps a second import of the
same workspace out while one runs (a unique index over the active ones).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('running', 'rolling_back')")
IMPORTED = sa.text("import_id IS NOT NULL")


def upgrade():
    op.create_table(
        "call_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'rolling_back', 'rolled_back')",
            name=op.f("ck_call_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_call_imports_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_call_imports_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_imports")),
        sa.UniqueConstraint("uuid", name=op.f("uq_call_imports_uuid")),
    )
    op.create_index(
        "ix_call_imports_workspace_created", "call_imports", ["workspace_id", "created_at"]
    )
    op.create_index(
        "uq_call_imports_workspace_active",
        "call_imports",
        ["workspace_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN: batch mode would copy the whole calls table to add the key.
        op.execute("ALTER TABLE calls ADD COLUMN import_id INTEGER REFERENCES call_imports (id)")
    else:
        op.add_column("calls", sa.Column("import_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_calls_import_id_call_imports"), "calls", "call_imports", ["import_id"], ["id"]
        )
    op.create_index(
        "ix_calls_import",
        "calls",
        ["import_id"],
        sqlite_where=IMPORTED,
        postgresql_where=IMPORTED,
    )


def downgrade():
    op.drop_index("ix_calls_import", table_name="calls")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint(op.f("fk_calls_import_id_call_imports"), type_="foreignkey")
        batch_op.drop_column("import_id")
    op.drop_index("uq_call_imports_workspace_active", table_name="call_imports")
    op.drop_index("ix_call_imports_workspace_created", table_name="call_imports")
    op.drop_table("call_imports")
