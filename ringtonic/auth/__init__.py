"""Registration, sign-in and sign-out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from ringtonic.auth import invitations, password_resets, views  # noqa: E402,F401
