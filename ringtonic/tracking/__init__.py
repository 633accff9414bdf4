"""Campaigns and tracking numbers: the pages where users manage what callers dial."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)

from ringtonic.tracking import views  # noqa: E402,F401
