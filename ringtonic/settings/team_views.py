"""Views of Settings → Team: members, invitations, roles and removal (admins only)."""

from __future__ import annotations

import math
import time

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from ringtonic.extensions import db
from ringtonic.models import ROLES, Invitation
from ringtonic.rate_limits import INVITATION, limits_of, rate_limit_headers
from ringtonic.security import end_sign_in
from ringtonic.services.accounts import policy
from ringtonic.services.accounts.invitations import (
    create_invitation,
    get_invitation,
    list_pending_invitations,
    revoke_invitation,
)
from ringtonic.services.accounts.mail import MailNotSent, send_invitation_email
from ringtonic.services.accounts.team import (
    change_role,
    get_member,
    list_members,
    recent_team_events,
    remove_member,
)
from ringtonic.services.errors import NotFound, PlanRequired, ServiceError, ValidationError
from ringtonic.settings import bp
from ringtonic.settings.team_forms import (
    InviteForm,
    RemoveMemberForm,
    RevokeInvitationForm,
    RoleForm,
)
from ringtonic.urls import absolute_url_for
from ringtonic.view_helpers.access import client_ip, requires
from ringtonic.view_helpers.forms import undo_and_attach_error


def _team_page(
    invite_form: InviteForm,
    status: int = 200,
    *,
    new_invitation: Invitation | None = None,
    link: str | None = None,
    mail_status: str | None = None,
):
    account = current_user.account
    can_see_audit = policy.can(current_user, "view_audit_log")
    page = render_template(
        "settings/team.html",
        account=account,
        members=list_members(account),
        invitations=list_pending_invitations(account),
        events=recent_team_events(account) if can_see_audit else [],
        invite_form=invite_form,
        role_form=RoleForm(formdata=None),
        revoke_form=RevokeInvitationForm(formdata=None),
        roles=ROLES,
        permissions=policy.PERMISSIONS,
        permission_labels=policy.PERMISSION_LABELS,
        new_invitation=new_invitation,
        link=link,
        mail_status=mail_status,
    )
    return make_response(page, status)


def _invitations_used_up(account_id: int) -> tuple[str, list[tuple[str, str]]] | None:
    """Count an invitation against the account's limit; past it, the message and headers."""
    limits = limits_of(current_app)
    if not limits.enabled:
        return None
    charge = limits.charge(INVITATION, str(account_id))
    if charge.allowed:
        return None
    minutes = max(1, math.ceil(charge.retry_after(time.time()) / 60))
    unit = "minute" if minutes == 1 else "minutes"
    message = (
        f"Your team has sent as many invitations as it may for now. "
        f"Try again in {minutes} {unit}, or share a link you already made."
    )
    return message, rate_limit_headers(charge)


def _refuse(error: ServiceError, status: int):
    db.session.rollback()
    flash(error.message, "error")
    return _team_page(InviteForm(formdata=None), status)


def _invitation_link(token: str) -> str:
    # Behind a proxy the request's host may be an internal one; the operator's URL is not.
    return absolute_url_for("auth.accept_invitation_view", token=token)


@bp.get("/team")
@requires("manage_team")
def team():
    """List teammates, pending invitations, what each role may do and recent activity."""
    return _team_page(InviteForm())


@bp.post("/team/invitations")
@requires("manage_team")
def team_invite():
    """Invite someone; show their single-use link once, and e-mail it when SMTP is set up."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _team_page(form, 400)
    account = current_user.account
    refused = _invitations_used_up(account.id)
    if refused is not None:
        form.email.errors.append(refused[0])
        response = _team_page(form, 429)
        response.headers.extend(refused[1])
        return response
    try:
        invitation, token = create_invitation(
            account, form.email.data, form.role.data, current_user, client_ip()
        )
    except PlanRequired as error:
        return _refuse(error, 403)
    except ServiceError as error:
        undo_and_attach_error(form, error, "email")
        return _team_page(form, 400)
    db.session.commit()
    link = _invitation_link(token)
    mail_status = None
    smtp = current_app.config.get("RINGTONIC_SMTP")
    if smtp is not None:
        try:
            send_invitation_email(
                smtp,
                to=invitation.email,
                account_name=account.name,
                inviter=current_user.email,
                role=invitation.role,
                link=link,
                expires_at=invitation.expires_at,
            )
        except MailNotSent:
            mail_status = "failed"
        else:
            mail_status = "sent"
    response = _team_page(
        InviteForm(formdata=None), new_invitation=invitation, link=link, mail_status=mail_status
    )
    # The link is a credential: this page is its only showing.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/team/invitations/<invitation_uuid>/revoke")
@requires("manage_team")
def team_revoke_invitation(invitation_uuid: str):
    """Withdraw a pending invitation so its link stops working."""
    try:
        invitation = get_invitation(current_user.account, invitation_uuid)
    except NotFound:
        abort(404)
    try:
        revoke_invitation(invitation, current_user, client_ip())
    except ServiceError as error:
        return _refuse(error, 409)
    db.session.commit()
    flash(f"The invitation to {invitation.email} was withdrawn.", "success")
    return redirect(url_for("settings.team"))


def _keys_note(made_read_only: int) -> str:
    if not made_read_only:
        return ""
    keys = "key" if made_read_only == 1 else "keys"
    return f" The {made_read_only} read-and-write API {keys} they created are now read-only."


@bp.post("/team/<user_uuid>/role")
@requires("manage_team")
def team_change_role(user_uuid: str):
    """Give a teammate another role; the last admin cannot be demoted."""
    try:
        member = get_member(current_user.account, user_uuid)
    except NotFound:
        abort(404)
    # CSRFProtect checked the token before this view ran; the service checks the role.
    form = RoleForm()
    try:
        change = change_role(
            current_user.account, member, form.role.data or "", current_user, client_ip()
        )
    except ValidationError as error:
        return _refuse(error, 400)
    except ServiceError as error:
        return _refuse(error, 409)
    db.session.commit()
    if change.changed:
        note = _keys_note(change.keys_made_read_only)
        flash(f"{member.email} is now {member.role}.{note}", "success")
    if not policy.can(current_user, "manage_team"):
        # You demoted yourself: the Team page is no longer yours to see.
        return redirect(url_for("web.dashboard"))
    return redirect(url_for("settings.team"))


@bp.route("/team/<user_uuid>/remove", methods=["GET", "POST"])
@requires("manage_team")
def team_remove(user_uuid: str):
    """Confirm, then remove a teammate: their sessions end at once."""
    account = current_user.account
    try:
        member = get_member(account, user_uuid)
    except NotFound:
        abort(404)
    form = RemoveMemberForm()
    status = 200
    if form.validate_on_submit():
        removing_self = member.id == current_user.id
        try:
            # The real user, not the proxy: signal receivers may keep what they are given.
            actor = current_user._get_current_object()
            remove_member(account, member, actor, client_ip(), form.revoke_keys.data)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = 409
        else:
            if removing_self:
                end_sign_in()
            db.session.commit()
            if removing_self:
                flash(f"You left {account.name}.", "info")
                return redirect(url_for("auth.login"))
            flash(f"{member.email} was removed from the team.", "success")
            return redirect(url_for("settings.team"))
    page = render_template("settings/team_remove.html", form=form, member=member)
    return page, status
