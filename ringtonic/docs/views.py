"""Views of the documentation pages."""

from __future__ import annotations

from flask import current_app, render_template, request

from ringtonic.api.errors import PROBLEMS
from ringtonic.docs import bp


def _base_url() -> str:
    return current_app.config.get("RINGTONIC_PUBLIC_URL") or request.host_url.rstrip("/")


@bp.get("/api")
def api():
    """Explain how to authenticate to the API, the error codes, and the endpoints."""
    return render_template("docs/api.html", base_url=_base_url(), problems=PROBLEMS)
