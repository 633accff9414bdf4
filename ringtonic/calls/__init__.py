"""Reading calls: the calls log, a call's page, CSV export and CSV import."""

from flask import Blueprint

bp = Blueprint("calls", __name__, url_prefix="/calls")

from ringtonic.calls import display, recordings, views  # noqa: E402,F401
