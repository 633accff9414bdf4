"""Browser sessions for pages; none under /api/ (Bearer keys) nor /t/ (the website tracker)."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

API_PATH_PREFIX = "/api/"
# Every page view of every client's visitors; a cookie session there would be opened and
# checked for nothing.
SESSIONLESS_PREFIXES = (API_PATH_PREFIX, "/t/")


class CookielessApiSessionInterface(SecureCookieSessionInterface):
    """The usual signed-cookie session, except that /api/ and /t/ requests get a null session.

    A null session is empty (so Flask-Login sees nobody signed in and never loads a user
    from a cookie), is never saved (so API responses set no cookie), and refuses writes.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)
