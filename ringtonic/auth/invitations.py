"""Views of /invitations/<token>: an invited person chooses a password and joins the team."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from ringtonic.auth import bp
from ringtonic.auth.forms import AcceptInvitationForm, LogoutForm
from ringtonic.auth.views import limit_sign_in_attempts, start_session
from ringtonic.extensions import db
from ringtonic.services.accounts.invitations import (
    InvitationUnavailable,
    accept_invitation,
    open_invitation,
)
from ringtonic.services.accounts.workspaces import list_workspaces
from ringtonic.services.errors import ServiceError
from ringtonic.view_helpers.access import client_ip
from ringtonic.view_helpers.forms import undo_and_attach_error

# Why a link does not work, as a status and a page title.
_UNAVAILABLE = {
    "unknown": (404, "Invitation not found"),
    "expired": (410, "Invitation expired"),
    "used": (410, "Invitation already used"),
    "revoked": (410, "Invitation withdrawn"),
    "registered": (409, "Email already registered"),
    "plan": (403, "Teammates need the Agency plan"),
}


def _no_store(body, status: int):
    # The token is in the URL: no cache may keep this page or replay it.
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem_page(status: int, title: str, message: str, offer_sign_out: bool = False):
    page = render_template(
        "auth/invitation_problem.html",
        title=title,
        message=message,
        offer_sign_out=offer_sign_out,
        logout_form=LogoutForm(),
    )
    return _no_store(page, status)


def _unavailable(error: InvitationUnavailable):
    status, title = _UNAVAILABLE[error.reason]
    return _problem_page(status, title, error.message)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation_view(token: str):
    """Show the invitation and, on POST, create the user and sign them in."""
    limit_sign_in_attempts()
    try:
        invitation = open_invitation(token)
    except InvitationUnavailable as error:
        return _unavailable(error)
    if current_user.is_authenticated:
        return _problem_page(
            409,
            "You are signed in as someone else",
            f"You are signed in as {current_user.email}, but this invitation is for "
            f"{invitation.email}. Sign out, then open the link again.",
            offer_sign_out=True,
        )
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(token, form.password.data, client_ip())
        except InvitationUnavailable as error:
            db.session.rollback()
            return _unavailable(error)
        except ServiceError as error:
            undo_and_attach_error(form, error, "password")
        else:
            account_name = invitation.account.name
            start_session(user)
            db.session.commit()
            flash(f"Welcome to {account_name}! You are signed in.", "success")
            return redirect(url_for("web.dashboard"))
    # The invitee has no workspace yet: times are read in the account's first workspace's zone.
    workspaces = list_workspaces(invitation.account)
    page = render_template(
        "auth/invitation.html",
        form=form,
        invitation=invitation,
        token=token,
        time_zone=workspaces[0].time_zone if workspaces else "UTC",
    )
    return _no_store(page, 400 if form.errors else 200)
