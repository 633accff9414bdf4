"""Pages of call handling: blocked numbers, the Blocked calls log, spam, campaign call flows."""

from flask import Blueprint

bp = Blueprint("handling", __name__)

from ringtonic.handling import views  # noqa: E402,F401
