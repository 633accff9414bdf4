"""Views of /password/forgot and /password/reset/<token>: a new password by e-mail."""

from __future__ import annotations

import logging

from flask import current_app, flash, make_response, redirect, render_template, url_for

from ringtonic.auth import bp
from ringtonic.auth.forms import ForgotPasswordForm, ResetPasswordForm
from ringtonic.auth.views import limit_sign_in_attempts
from ringtonic.background import enqueue
from ringtonic.background.accounts import PASSWORD_RESET_TASK
from ringtonic.extensions import db
from ringtonic.services.accounts.password_resets import (
    RESET_LIFETIME,
    ResetUnavailable,
    complete_password_reset,
    open_password_reset,
    request_password_reset,
)
from ringtonic.services.errors import ServiceError
from ringtonic.urls import absolute_url_for
from ringtonic.view_helpers.access import client_ip
from ringtonic.view_helpers.forms import undo_and_attach_error

log = logging.getLogger(__name__)
EMAIL_INPUT_MAX = 254


def _no_store(body, status: int = 200):
    # The token is in the URL: no cache may keep this page or replay it.
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def mail_configured() -> bool:
    """Return whether this server can send e-mail (RINGTONIC_SMTP_URL)."""
    return current_app.config.get("RINGTONIC_SMTP") is not None


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """E-mail a reset link; the answer is the same whether or not the email has an account."""
    form = ForgotPasswordForm()
    if not mail_configured():
        return render_template("auth/forgot_password.html", form=None), 404
    email = (form.email.data or "")[:EMAIL_INPUT_MAX]
    limit_sign_in_attempts(email if form.is_submitted() else None)
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("auth/forgot_password.html", form=form), status
    found = request_password_reset(email, client_ip())
    db.session.commit()
    if found is not None:
        user, token = found
        link = absolute_url_for("auth.reset_password", token=token)
        minutes = int(RESET_LIFETIME.total_seconds() // 60)
        # A worker talks to SMTP: how long this page takes must not tell that the email exists.
        try:
            app = current_app._get_current_object()
            enqueue(app, PASSWORD_RESET_TASK, user.email, link, minutes)
        except Exception:
            log.warning("password reset link not queued; the user can ask again")
    flash(
        "If that email has a Ring Tonic sign-in, a link to choose a new password is on its way. "
        f"It works once, for {int(RESET_LIFETIME.total_seconds() // 60)} minutes.",
        "info",
    )
    return redirect(url_for("auth.login"), 303)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link; the link then stops working."""
    limit_sign_in_attempts()
    try:
        reset = open_password_reset(token)
    except ResetUnavailable as error:
        page = render_template("auth/reset_password.html", form=None, problem=error.message)
        return _no_store(page, 410)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            complete_password_reset(token, form.password.data, client_ip())
        except ResetUnavailable as error:
            db.session.rollback()
            page = render_template("auth/reset_password.html", form=None, problem=error.message)
            return _no_store(page, 410)
        except ServiceError as error:
            undo_and_attach_error(form, error, "password")
        else:
            db.session.commit()
            flash("Your password is changed. Sign in with it.", "success")
            return redirect(url_for("auth.login"), 303)
    page = render_template(
        "auth/reset_password.html", form=form, email=reset.user.email, token=token
    )
    return _no_store(page, 400 if form.errors else 200)
