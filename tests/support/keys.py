"""Helpers for tests that need API keys: issue one, and call the API with it."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from ringtonic.db.engines import autocommit_engine, reads_engine
from ringtonic.extensions import db
from ringtonic.models import User, Workspace
from ringtonic.services.keys.api_keys import create_api_key


def issue_key(workspace: Workspace, user: User, access: str = "read", name: str = "Test") -> str:
    """Create a key through the service (committed) and return its secret."""
    secret = create_api_key(workspace, user, name, access).secret
    db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    """Return the Authorization header for a key."""
    return {"Authorization": f"Bearer {secret}"}


def api_get(client, path: str, secret: str | None = None, **kwargs):
    """GET an API path with the key; buffered, so the response is closed as servers close it.

    Closing matters: the key's last use is written when the response is closed.
    """
    headers = {**(bearer(secret) if secret else {}), **kwargs.pop("headers", {})}
    return client.get(path, headers=headers, buffered=True, **kwargs)


@contextmanager
def recorded_statements():
    """Collect the SQL statements the app sends to the database inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # Reads outside transactions run on the reads engine, and quota counts on the
    # autocommit engine (pools of their own on PostgreSQL).
    watched = {db.engine, reads_engine(db.engine), autocommit_engine(db.engine)}
    for engine in watched:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in watched:
            event.remove(engine, "before_cursor_execute", record)
