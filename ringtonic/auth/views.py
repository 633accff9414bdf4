"""Views for /register, /login and /logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ringtonic.auth import bp
from ringtonic.auth.forms import LoginForm, LogoutForm, RegisterForm
from ringtonic.extensions import db
from ringtonic.forms import attach_error
from ringtonic.rate_limits import LOGIN_EMAIL, LOGIN_IP, enforce
from ringtonic.services.accounts.accounts import authenticate, create_account, email_key
from ringtonic.services.errors import InvalidCredentials, ServiceError
from ringtonic.web.access import choose_workspace, client_ip

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
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_session(user) -> None:
    """Sign `user` in on a fresh session."""
    # Drop everything from before sign-in so a planted session id cannot be reused.
    session.clear()
    login_user(user)
    session.permanent = True


def limit_sign_in_attempts(email: str | None = None) -> None:
    """Count a posted sign-in form per client address, and per person when it names one.

    Raises RateLimited (429) past either limit. The email is counted in the form sign-in
    matches it in, so every spelling of one address shares one counter.
    """
    if request.method != "POST":
        return
    enforce(LOGIN_IP, client_ip() or "unknown", TOO_MANY_ATTEMPTS)
    if email is not None:
        # No address is longer than this in any spelling; a longer text costs no more.
        enforce(LOGIN_EMAIL, email_key(email[:EMAIL_INPUT_MAX]), TOO_MANY_ATTEMPTS)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an Indie account with its admin and default workspace, then sign in."""
    limit_sign_in_attempts()
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            _account, user, workspace = create_account(
                form.company.data, form.email.data, form.password.data
            )
        except ServiceError as error:
            db.session.rollback()
            if not attach_error(form, error, "email"):
                flash(error.message, "error")
        else:
            db.session.commit()
            start_session(user)
            choose_workspace(workspace)
            flash("Welcome to Ring Tonic! Your account is ready.", "success")
            return redirect(url_for("web.dashboard"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status


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
            db.session.commit()
            start_session(user)
            return redirect(next_url or url_for("web.dashboard"))
    form.next.data = next_url or ""
    status = 400 if (error or form.errors) else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and forget the whole session."""
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))
