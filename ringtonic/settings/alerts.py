"""Views of Settings → Alerts (per user) and Settings → Recordings (per workspace)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.alerts.preferences import AlertChoices, get_choices, save_choices
from ringtonic.services.audit import record_event
from ringtonic.services.errors import ServiceError
from ringtonic.services.recordings.retention import (
    RETENTION_LABELS,
    get_retention_days,
    retention_choice,
    set_retention,
)
from ringtonic.settings import bp
from ringtonic.settings.alert_forms import AlertChoicesForm, RetentionForm
from ringtonic.view_helpers.access import client_ip, current_workspace, requires
from ringtonic.view_helpers.forms import undo_and_attach_error


@bp.route("/alerts", methods=["GET", "POST"])
@requires("view_data")
def alerts():
    """Show and save the signed-in user's e-mail alerts for the current workspace."""
    workspace = current_workspace()
    user = current_user._get_current_object()
    form = AlertChoicesForm()
    if form.validate_on_submit():
        choices = AlertChoices(
            missed_call=form.missed_call.data,
            voicemail=form.voicemail.data,
            first_time_caller=form.first_time_caller.data,
            blocked_spike=form.blocked_spike.data,
        )
        try:
            save_choices(user, workspace, choices, utcnow())
        except ServiceError as error:
            undo_and_attach_error(form, error, "missed_call")
        else:
            db.session.commit()
            flash(f"Your alerts for “{workspace.name}” are saved.", "success")
            return redirect(url_for("settings.alerts"), 303)
    elif not form.is_submitted():
        saved = get_choices(user, workspace)
        form.missed_call.data = saved.missed_call
        form.voicemail.data = saved.voicemail
        form.first_time_caller.data = saved.first_time_caller
        form.blocked_spike.data = saved.blocked_spike
    status = 400 if form.errors else 200
    return render_template(
        "settings/alerts.html",
        form=form,
        workspace=workspace,
        mail_ready=current_app.config.get("RINGTONIC_SMTP") is not None,
    ), status


@bp.route("/recordings", methods=["GET", "POST"])
@requires("manage_calls")
def recordings():
    """Show and change how long the workspace keeps call recordings."""
    workspace = current_workspace()
    form = RetentionForm()
    if form.validate_on_submit():
        try:
            days = set_retention(workspace, form.retention.data or "")
        except ServiceError as error:
            undo_and_attach_error(form, error, "retention")
        else:
            record_event(
                current_user,
                "recordings.retention_changed",
                account_id=workspace.account_id,
                workspace=workspace,
                ip=client_ip(),
                details={"retention_days": days},
            )
            db.session.commit()
            label = RETENTION_LABELS[retention_choice(days)]
            flash(f"Recordings in “{workspace.name}” are now kept {label.lower()}.", "success")
            return redirect(url_for("settings.recordings"), 303)
    elif not form.is_submitted():
        form.retention.data = retention_choice(get_retention_days(workspace))
    status = 400 if form.errors else 200
    return render_template("settings/recordings.html", form=form, workspace=workspace), status
