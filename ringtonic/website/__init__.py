"""The website tracker's public endpoints: its script and the visits it reports (/t)."""

from flask import Blueprint

from ringtonic.extensions import csrf

bp = Blueprint("website", __name__, url_prefix="/t")
# Called from the client's own website: no cookie session, so nothing for CSRF to protect.
csrf.exempt(bp)

from ringtonic.website import views  # noqa: E402,F401
