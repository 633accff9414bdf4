"""Public documentation pages, readable without signing in."""

from flask import Blueprint

bp = Blueprint("docs", __name__, url_prefix="/docs")

from ringtonic.docs import views  # noqa: E402,F401
