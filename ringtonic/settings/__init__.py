"""Settings: profile, workspaces and plan (other sections plug in beside them)."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from ringtonic.settings import (  # noqa: E402,F401
    alerts,
    api_keys,
    team_views,
    telephony,
    views,
    website,
)
