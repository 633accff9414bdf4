"""Views for /register, /login and /logout."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ringtonic.auth import bp
from ringtonic.auth.forms import LoginForm, LogoutForm, RegisterForm
from ringtonic.extensions import db
from ringtonic.rate_limits import LOGIN_EMAIL, LOGIN_IP, enforce
from ringtonic.security import begin_sign_in, end_sign_in
from ringtonic.services.accounts.accounts import (
    any_account_exists,
    authenticate,
    email_key,
    register_account,
)
from ringtonic.services.errors import InvalidCredentials, ServiceError
from ringtonic.services.url_parts import split_url
from ringtonic.view_helpers.access import choose_workspace, client_identity
from ringtonic.view_helpers.forms import undo_and_attach_error

log = logging.getLogger(__name__)
TOO_MANY_ATTEMPTS = "Too many sign-in attempts. Please wait a few minutes and try again."
EMAIL_INPUT_MAX = 1024


def safe_next_url(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    # Browsers treat backslashes like slashes: "/\\evil.com" would leave the site.
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = split_url(target)
    if (
        parts is None
        or parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return None
    return target


def start_session(user) -> None:
    """Sign `user` in on a fresh session; the caller commits."""
    # Drop everything from before sign-in so a planted session id cannot be reused.
    session.clear()
    begin_sign_in(user)


def limit_sign_in_attempts(email: str | None = None) -> None:
    """Count a posted sign-in form per client address, and per person when it names one.

    Raises RateLimited (429) past either limit. The email is counted in the form sign-in
    matches it in, so every spelling of one address shares one counter.
    """
    if request.method != "POST":
        return
    enforce(LOGIN_IP, client_identity(), TOO_MANY_ATTEMPTS)
    if email is not None:
        # No address is longer than this in any spelling; a longer text costs no more.
        enforce(LOGIN_EMAIL, email_key(email[:EMAIL_INPUT_MAX]), TOO_MANY_ATTEMPTS)


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
def register():
    """Create an Indie account with its admin and default workspace."""
    limit_sign_in_attempts()
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
            if not undo_and_attach_error(form, error, "email"):
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
def login():
    """Sign in; every failure says the same thing so emails cannot be probed."""
    limit_sign_in_attempts(request.form.get("email", ""))
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
        "auth/login.html",
        form=form,
        error=error,
        registration_open=_offer_registration(),
        mail_configured=current_app.config.get("RINGTONIC_SMTP") is not None,
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
