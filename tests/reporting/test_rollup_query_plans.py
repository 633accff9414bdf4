"""Every rollup query reads its blocks by primary key, whatever SQLite's planner prefers.

A report's blocks arrive as one table-valued parameter joined to the rollup. SQLite may
choose the join order itself: grouped by columns that lead the rollup's primary key, it
walked the workspace's whole rollup in key order and searched the block list for every
row (a 30-day series on 1M calls took 115 ms instead of 0.1).
"""

from __future__ import annotations

import pytest

from ringtonic.extensions import db
from ringtonic.models.rollups import PLACE_NAMES, CallPlaceRollup, CallTimeRollup
from ringtonic.services.reporting import rollup_queries
from ringtonic.services.reporting.reports import GROUP_KEYS

SHAPES = [
    (CallPlaceRollup, PLACE_NAMES),  # geo-data
    (CallTimeRollup, ("block_seconds", "block_start")),  # series
    *GROUP_KEYS.values(),  # summaries
]


@pytest.mark.parametrize("by_campaign", [False, True], ids=["workspace", "campaign"])
@pytest.mark.parametrize(("model", "keys"), SHAPES, ids=lambda v: getattr(v, "__name__", "-"))
def test_rollup_queries_search_the_blocks_by_primary_key(app, model, keys, by_campaign):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner; PostgreSQL's is checked by the benchmarks")
    query = rollup_queries.rollup_query(model, tuple(keys), by_campaign, None, "sqlite")
    blocks = {86400: [1_700_006_400 + day * 86400 for day in range(30)], 3600: [1_700_000_000]}
    params = {**rollup_queries.block_params("sqlite", blocks), "workspace_id": 1}
    params["campaign_id"] = 1

    compiled = query.statement.compile(db.engine)
    values = {**compiled.params, **params}
    arguments = tuple(values[name] for name in compiled.positiontup)

    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", arguments).all()

    table = model.__tablename__
    steps = [row[-1] for row in plan if table in row[-1]]
    assert steps, plan
    for step in steps:
        assert "PRIMARY KEY (workspace_id=? AND block_seconds=? AND block_start=?" in step, plan
