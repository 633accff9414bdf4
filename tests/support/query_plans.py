"""Helpers that show how the database answers the app's queries: captured SQL and its plan."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from sqlalchemy import event, insert, text

from ringtonic.extensions import db
from ringtonic.models import Call


@contextlib.contextmanager
def captured_queries(table: str):
    """Record the SQL (and parameters) of every statement that reads `table`."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if f"FROM {table}" in statement and not statement.startswith("EXPLAIN"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def captured_call_queries():
    """Record the SQL (and parameters) of every statement that reads the calls table."""
    return captured_queries("calls")


def query_plan(statement: str, parameters) -> str:
    """Return the database's plan for a captured statement, as one string."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[-1] for row in rows)
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in rows)


def analyze(table: str) -> None:
    """Refresh the planner's statistics for `table`, as a real database's autovacuum would."""
    with db.engine.connect() as conn:
        conn.execute(text(f"ANALYZE {table}"))
        conn.commit()


def fill_calls(workspaces, per_workspace: int, newest: datetime) -> None:
    """Insert many calls fast, so the PostgreSQL planner has a real table to plan for."""
    rows = [
        {
            "workspace_id": workspace.id,
            "tracking_number": "+15125550100",
            "caller_number": f"+1512555{n % 10000:04d}",
            "started_at": newest - timedelta(minutes=7 * n),
            "status": "answered" if n % 3 else "missed",
            "first_call": n % 5 == 0,
        }
        for workspace in workspaces
        for n in range(per_workspace)
    ]
    db.session.execute(insert(Call), rows)
    db.session.commit()
    analyze("calls")


def assert_uses_an_index(
    plan: str, table: str = "calls", index: str = "ix_calls_workspace"
) -> None:
    """Fail unless the plan reads `table` through an index (whose name starts with `index`)."""
    if db.engine.dialect.name == "sqlite":
        assert f"SCAN {table}" not in plan, plan
        assert f"SEARCH {table} USING" in plan and "INDEX" in plan, plan
    else:
        assert f"Seq Scan on {table}" not in plan, plan
        assert "Index" in plan and (index in plan or "uq_calls" in plan), plan


def assert_no_sort(plan: str) -> None:
    """Fail if the database sorts the rows itself instead of reading them in index order."""
    if db.engine.dialect.name == "sqlite":
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "Sort" not in plan, plan


def assert_cursor_found_by_uuid(plan: str) -> None:
    """Fail unless a page query looks up its cursor's row once, by the unique uuid index."""
    if db.engine.dialect.name == "sqlite":
        assert "SCALAR SUBQUERY" in plan and "(uuid=?)" in plan, plan
    else:
        assert "InitPlan" in plan and "Index" in plan and "uuid" in plan, plan
