"""Recording when, from where and by what each key was last used, after the response."""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from flask import Flask, Response, g, request
from flask.globals import app_ctx
from sqlalchemy.exc import OperationalError

from ringtonic.api.auth import verified_keys_of
from ringtonic.extensions import db
from ringtonic.services.keys import api_keys
from ringtonic.view_helpers.access import client_ip

log = logging.getLogger(__name__)


def record_last_use_after_response(response: Response) -> Response:
    """Arrange for the key's last use to be written once the response has been sent."""
    api_key = g.get("api_key")
    if api_key is None:
        return response
    now = api_keys.clock()
    # Most requests stop here: the key's row says it was recorded within the last minute.
    if api_keys.last_use_is_stale(api_key, now):
        digest = g.get("api_key_digest")
        if digest is not None:
            # The key held in memory says so from now on: this process's other requests
            # within the minute leave the row alone (a failed write is retried then).
            verified_keys_of(app_ctx.app).note_use(digest, now)
        response.call_on_close(
            functools.partial(
                write_last_use,
                app_ctx.app,
                api_key.id,
                used_at=now,
                ip=client_ip(),
                user_agent=request.user_agent.string,
            )
        )
    return response


def write_last_use(
    app: Flask, key_id: int, *, used_at: datetime, ip: str | None, user_agent: str
) -> None:
    """Write the last use in its own short transaction; skip it if the database is busy."""
    with app.app_context():
        try:
            api_keys.touch_last_used(key_id, used_at=used_at, ip=ip, user_agent=user_agent)
            db.session.commit()
        except OperationalError:
            # A locked SQLite file or a lock timeout: a request a minute later retries.
            db.session.rollback()
            log.debug("last use of API key %s not recorded: database busy", key_id)
