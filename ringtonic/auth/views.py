"""Views for /register, /login and /logout."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ringtonic.auth import bp
from ringtonic.auth.forms import LoginForm, LogoutForm, RegisterForm
from ringtonic.extensions import db, limiter
from ringtonic.forms import attach_error
from ringtonic.security import begin_sign_in, end_sign_in
from ringtonic.services.accounts.accounts import (
    any_account_exists,
    authenticate,
    register_account,
)
from ringtonic.services.errors import InvalidCredentials, ServiceError
from ringtonic.web.access import choose_workspace

log = logging.getLogger(__name__)
TOO_MANY_ATTEMPTS = "Too many sign-in attempts. Please wait a few minutes and try again."


def safe_next_url(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    # Browsers treat backslashes like slashes: "/\\evil.com" would leave the site.
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_session(user) -> None:
    """Sign `user` in on a fresh session; the caller commits."""
    # Drop everything from before sign-in so a planted session id cannot be reused.
    session.clear()
    begin_sign_in(user)


def login_ip_limit() -> str:
    """Return the operator's limit on sign-in attempts per client IP."""
    return current_app.config["RINGTONIC_LOGIN_LIMIT_PER_IP"]


def _login_email_limit() -> str:
    return current_app.config["RINGTONIC_LOGIN_LIMIT_PER_EMAIL"]


def _login_email_key() -> str:
    return "login-email:" + request.form.get("email", "").strip().lower()[:254]


def registration_open() -> bool:
    """Return whether this server takes new accounts: always for the first one."""
    return bool(current_app.config["RINGTONIC_OPEN_REGISTRATION"]) or not any_account_exists()


def _offer_registration() -> bool:
    """Return whether the sign-in page links to registration; False when the database is down.

    The sign-in page renders during a database outage, as before registration could close;
    its form's POST then answers 503.
    """
    try:
        return registration_open()
    except SQLAlchemyError:
        try:
            db.session.rollback()
        except SQLAlchemyError:
            log.debug("rollback after a failed registration check failed", exc_info=True)
        return False


def _registered_answer(email: str):
    # The same answer whether or not the email already had an account.
    flash(
        f"If {email} did not have an account yet, it has one now: sign in with the password "
        "you chose. If it already had one, sign in with that account's password.",
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(login_ip_limit, methods=["POST"], error_message=TOO_MANY_ATTEMPTS)
def register():
    """Create an Indie account with its admin and default workspace."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    if not registration_open():
        return render_template("auth/register.html", form=None, closed=True), 403
    form = RegisterForm()
    if form.validate_on_submit():
        first = not any_account_exists()
        try:
            created = register_account(form.company.data, form.email.data, form.password.data)
        except ServiceError as error:
            db.session.rollback()
            if not attach_error(form, error, "email"):
                flash(error.message, "error")
        else:
            if created is None or not first:
                db.session.commit()
                return _registered_answer(form.email.data.strip())
            # The server's very first account: no one else's email to give away.
            _account, user, workspace = created
            start_session(user)
            db.session.commit()
            choose_workspace(workspace)
            flash("Welcome to Ring Tonic! Your account is ready.", "success")
            return redirect(url_for("web.dashboard"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form, closed=False), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_ip_limit, methods=["POST"], error_message=TOO_MANY_ATTEMPTS)
@limiter.limit(
    _login_email_limit,
    key_func=_login_email_key,
    methods=["POST"],
    error_message=TOO_MANY_ATTEMPTS,
)
def login():
    """Sign in; every failure says the same thing so emails cannot be probed."""
    form = LoginForm()
    next_url = safe_next_url(request.args.get("next") or form.next.data)
    if current_user.is_authenticated:
        return redirect(next_url or url_for("web.dashboard"))
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except InvalidCredentials as exc:
            db.session.rollback()
            error = exc.message
        else:
            start_session(user)
            db.session.commit()
            return redirect(next_url or url_for("web.dashboard"))
    form.next.data = next_url or ""
    status = 400 if (error or form.errors) else 200
    return render_template(
        "auth/login.html", form=form, error=error, registration_open=_offer_registration()
    ), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and forget the whole session."""
    form = LogoutForm()
    if form.validate_on_submit():
        end_sign_in()
        db.session.commit()
        flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))
