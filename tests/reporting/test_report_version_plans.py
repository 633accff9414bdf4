"""A report's ETag read stays an index read however many website visits there are."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

from sqlalchemy import event, insert

from ringtonic.db.engines import reads_engine
from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.models.website import VisitorSession
from ringtonic.services.reporting.report_versions import Scope, report_version
from tests.support.query_plans import analyze

VISITS = 3000


def _numberless_visits(workspace, count: int) -> None:
    """Store visits that were leased a number and no longer have one (a deleted number's)."""
    now = utcnow()
    rows = [
        {
            "uuid": uuid.uuid4(),
            "workspace_id": workspace.id,
            "visitor_id": uuid.uuid4(),
            "started_at": now - timedelta(minutes=n),
            "last_seen_at": now - timedelta(minutes=n),
            "source": "google",
            "medium": "organic",
            "number_leased_at": now - timedelta(minutes=n),
        }
        for n in range(count)
    ]
    db.session.execute(insert(VisitorSession.__table__), rows)
    db.session.commit()
    analyze("visitor_sessions")


@contextlib.contextmanager
def _gateway_reads():
    """Record the statements the read gateway runs (on its own engine), with their parameters."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    reader = reads_engine(db.engine)
    event.listen(reader, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(reader, "before_cursor_execute", record)


def _plan(statement: str, parameters) -> str:
    """Return the plan of a statement the read gateway ran, on the gateway's engine."""
    with reads_engine(db.engine).connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[-1] for row in rows)
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in rows)


def test_the_by_number_version_reads_one_entry_for_visits_without_a_number(app, make_account):
    account, _, workspace = make_account(plan="agency")
    _numberless_visits(workspace, VISITS)
    now = utcnow()
    scope = Scope(workspace.id, account.id, now - timedelta(days=3), now + timedelta(minutes=1))

    with _gateway_reads() as seen:
        version, _ = report_version(scope, None, by_number=True)
    assert version[2] == VISITS  # the period's visits are all counted

    # Their newest lease moment is the top entry of the (phone_number_id,
    # number_leased_at) index's NULL section; PostgreSQL read max() through every visit.
    ((statement, parameters),) = seen
    plan = _plan(statement, parameters)
    if db.engine.dialect.name == "sqlite":
        assert "SCAN leases" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "Seq Scan on visitor_sessions leases" not in plan, plan
        assert "Index Only Scan Backward using ix_visitor_sessions_number_leased" in plan, plan
