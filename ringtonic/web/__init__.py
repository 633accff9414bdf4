"""The signed-in app shell: dashboard, workspace switcher and data pages."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from ringtonic.web import time_filters, views  # noqa: E402,F401
