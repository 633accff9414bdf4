"""The Money Map: where a workspace's or campaign's callers are, on a map and in tables."""

from flask import Blueprint

bp = Blueprint("money_map", __name__)

from ringtonic.money_map import views  # noqa: E402,F401
