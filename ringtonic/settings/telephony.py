"""Views of Settings → Telephony: Twilio credentials and the webhook URLs to paste."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ringtonic.extensions import db
from ringtonic.hooks.urls import status_webhook_url, voice_webhook_url
from ringtonic.services.errors import ServiceError
from ringtonic.services.telephony.credentials import (
    decrypt_auth_token,
    get_credentials,
    save_credentials,
)
from ringtonic.settings import bp
from ringtonic.settings.telephony_forms import TelephonyForm
from ringtonic.view_helpers.access import client_ip, current_workspace, requires
from ringtonic.view_helpers.forms import undo_and_attach_error


def _telephony_page(form: TelephonyForm, status: int = 200):
    workspace = current_workspace()
    credentials = get_credentials(workspace)
    token_unreadable = credentials is not None and (
        decrypt_auth_token(credentials.auth_token_encrypted, current_app.config["SECRET_KEY"])
        is None
    )
    return render_template(
        "settings/telephony.html",
        form=form,
        workspace=workspace,
        credentials=credentials,
        token_unreadable=token_unreadable,
        voice_url=voice_webhook_url(workspace),
        status_url=status_webhook_url(workspace),
        public_url_configured=bool(current_app.config.get("RINGTONIC_PUBLIC_URL")),
    ), status


@bp.get("/telephony")
@requires("manage_telephony")
def telephony():
    """Show the workspace's Twilio connection and its webhook URLs."""
    credentials = get_credentials(current_workspace())
    form = TelephonyForm(account_sid=credentials.account_sid if credentials else "")
    return _telephony_page(form)


@bp.post("/telephony")
@requires("manage_telephony")
def telephony_save():
    """Save the workspace's Twilio Account SID and (optionally a new) Auth Token."""
    form = TelephonyForm()
    if not form.validate_on_submit():
        return _telephony_page(form, 400)
    try:
        save_credentials(
            current_workspace(),
            form.account_sid.data,
            form.auth_token.data,
            current_app.config["SECRET_KEY"],
            current_user,
            client_ip(),
        )
    except ServiceError as error:
        undo_and_attach_error(form, error, "account_sid")
        return _telephony_page(form, 400)
    db.session.commit()
    flash("Twilio credentials saved.", "success")
    return redirect(url_for("settings.telephony"))
