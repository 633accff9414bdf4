"""Views of Settings → Profile, Workspaces and Plan."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ringtonic.extensions import db
from ringtonic.security import begin_sign_in
from ringtonic.services.accounts.accounts import change_password, set_plan
from ringtonic.services.accounts.plan_effects import indie_effects
from ringtonic.services.accounts.workspaces import (
    can_add_workspace,
    create_workspace,
    get_workspace,
    list_workspaces,
    update_workspace,
)
from ringtonic.services.errors import NotFound, PlanRequired, ServiceError
from ringtonic.settings import bp
from ringtonic.settings.forms import ChangePasswordForm, PlanForm, WorkspaceForm
from ringtonic.view_helpers.access import choose_workspace, client_ip, requires
from ringtonic.view_helpers.forms import undo_and_attach_error

PLAN_FEATURES = {
    "indie": [
        "One workspace",
        "Tracking numbers, campaigns and call logs",
        "Dashboard, call exports and the Money Map",
    ],
    "agency": [
        "Unlimited workspaces, one per client",
        "API keys for CRMs, dashboards and SEO tools",
        "The full REST API with geo-data and reports",
        "Teammates with admin, manager and member roles",
    ],
}


@bp.get("/")
@login_required
def index():
    """Open Settings at the profile section."""
    return redirect(url_for("settings.profile"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Show the profile and change the password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data)
        except ServiceError as error:
            undo_and_attach_error(form, error, "new_password")
        else:
            # Every sign-in ended with the old password: this browser gets a new one.
            begin_sign_in(current_user._get_current_object())
            db.session.commit()
            flash("Your password has been changed. Other sessions were signed out.", "success")
            return redirect(url_for("settings.profile"))
    status = 400 if form.errors else 200
    return render_template("settings/profile.html", form=form), status


def _workspaces_page(form: WorkspaceForm, status: int = 200):
    account = current_user.account
    return render_template(
        "settings/workspaces.html",
        form=form,
        workspaces=list_workspaces(account),
        can_add=can_add_workspace(account),
    ), status


@bp.get("/workspaces")
@requires("view_data")
def workspaces():
    """List the account's workspaces."""
    return _workspaces_page(WorkspaceForm())


@bp.post("/workspaces")
@requires("manage_workspaces")
def create_workspace_view():
    """Create a workspace, if the plan allows another."""
    form = WorkspaceForm()
    if not form.validate_on_submit():
        return _workspaces_page(form, 400)
    try:
        workspace = create_workspace(
            current_user.account, form.name.data, form.time_zone.data, current_user, client_ip()
        )
    except PlanRequired as error:
        db.session.rollback()
        flash(error.message, "error")
        return _workspaces_page(form, 403)
    except ServiceError as error:
        undo_and_attach_error(form, error, "name")
        return _workspaces_page(form, 400)
    db.session.commit()
    choose_workspace(workspace)
    flash(f"Workspace “{workspace.name}” created; you are now working in it.", "success")
    return redirect(url_for("settings.workspaces"))


@bp.route("/workspaces/<workspace_uuid>", methods=["GET", "POST"])
@requires("manage_workspaces")
def edit_workspace(workspace_uuid: str):
    """Rename a workspace or change its time zone."""
    try:
        workspace = get_workspace(current_user.account, workspace_uuid)
    except NotFound:
        abort(404)
    form = WorkspaceForm(obj=workspace)
    if form.validate_on_submit():
        try:
            update_workspace(
                workspace, form.name.data, form.time_zone.data, current_user, client_ip()
            )
        except ServiceError as error:
            undo_and_attach_error(form, error, "name")
        else:
            db.session.commit()
            flash("Workspace saved.", "success")
            return redirect(url_for("settings.workspaces"))
    status = 400 if form.errors else 200
    return render_template("settings/workspace_edit.html", form=form, workspace=workspace), status


def _plan_changes_allowed() -> bool:
    return bool(current_app.config["RINGTONIC_ALLOW_PLAN_CHANGES"])


@bp.get("/plan")
@requires("view_data")
def plan():
    """Show the plan and what Agency adds."""
    return render_template(
        "settings/plan.html",
        form=PlanForm(),
        account=current_user.account,
        features=PLAN_FEATURES,
        changes_allowed=_plan_changes_allowed(),
    )


@bp.get("/plan/indie")
@requires("manage_plan")
def confirm_indie():
    """List what stops working on the Indie plan, and ask before switching."""
    if not _plan_changes_allowed():
        abort(403)
    account = current_user.account
    if not account.is_agency:
        return redirect(url_for("settings.plan"))
    return render_template(
        "settings/plan_indie.html",
        form=PlanForm(plan="indie", confirmed="yes"),
        effects=indie_effects(account, current_user),
    )


@bp.post("/plan")
@requires("manage_plan")
def change_plan():
    """Switch the plan (self-hosted: no billing), unless the operator turned that off."""
    if not _plan_changes_allowed():
        abort(403)
    form = PlanForm()
    account = current_user.account
    if form.validate_on_submit():
        if form.plan.data == "indie" and account.is_agency and form.confirmed.data != "yes":
            return redirect(url_for("settings.confirm_indie"), 303)
        try:
            changed = set_plan(account, form.plan.data, current_user, client_ip())
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            if changed:
                flash(f"You are now on the {account.plan.title()} plan.", "success")
    return redirect(url_for("settings.plan"))
