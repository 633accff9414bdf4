"""Views for /register, /login and /logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ringtonic.auth import bp
from ringtonic.auth.forms import LoginForm, LogoutForm, RegisterForm
from ringtonic.extensions import db, limiter
from ringtonic.forms import attach_error
from ringtonic.security import begin_sign_in, end_sign_in
from ringtonic.services.accounts.accounts import authenticate, create_account
from ringtonic.services.errors import InvalidCredentials, ServiceError
from ringtonic.web.access import choose_workspace

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


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(login_ip_limit, methods=["POST"], error_message=TOO_MANY_ATTEMPTS)
def register():
    """Create an Indie account with its admin and default workspace, then sign in."""
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
            start_session(user)
            db.session.commit()
            choose_workspace(workspace)
            flash("Welcome to Ring Tonic! Your account is ready.", "success")
            return redirect(url_for("web.dashboard"))
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status


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
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and forget the whole session."""
    form = LogoutForm()
    if form.validate_on_submit():
        end_sign_in()
        db.session.commit()
        flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))
