"""A fingerprint of every table, to prove that a refused request changed nothing."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from ringtonic.extensions import db


def snapshot() -> dict[str, tuple[int, str]]:
    """Return {table: (row count, SHA-256 of all its rows in primary-key order)}."""
    fingerprint = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            fingerprint[table.name] = (len(rows), digest)
    return fingerprint


def changed_tables(before: dict, after: dict) -> list[str]:
    """Return the names of the tables whose rows differ between two snapshots."""
    return sorted(name for name in before if before[name] != after.get(name))
