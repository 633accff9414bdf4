"""Views of Settings → API Keys: list, create (shown once), confirm and revoke."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_login import current_user

from ringtonic.extensions import db
from ringtonic.services.calls.queries import filter_choices
from ringtonic.services.errors import Conflict, NotFound, PlanRequired, ServiceError
from ringtonic.services.keys.api_keys import (
    create_api_key,
    get_api_key,
    list_api_keys,
    recent_api_key_activity,
    revoke_api_key,
)
from ringtonic.settings import bp
from ringtonic.settings.api_key_forms import ACCESS_LABELS, ApiKeyForm, RevokeApiKeyForm
from ringtonic.urls import absolute_url_for
from ringtonic.view_helpers.access import client_ip, current_workspace, requires
from ringtonic.view_helpers.forms import undo_and_attach_error

# The id of the last create form that made a key, so a reload cannot make (and show) another.
LAST_SUBMISSION_KEY = "api_key_submission"
ALREADY_CREATED = (
    "That key was already created, and its value shown once. "
    "If you did not store it, revoke it and create a new one."
)


def _try_url() -> tuple[str, str | None]:
    """Return a URL to try a new key on: a campaign's geo-data, or /me before any campaign."""
    campaign = next((c for c in filter_choices(current_workspace())[0] if not c.archived_at), None)
    if campaign is None:
        return absolute_url_for("api.me"), None
    return absolute_url_for("api.campaign_geo_data", campaign_uuid=campaign.uuid), campaign.name


def _keys_page(form: ApiKeyForm, status: int = 200):
    workspace = current_workspace()
    active, revoked = list_api_keys(workspace)
    return render_template(
        "settings/api_keys.html",
        form=form,
        workspace=workspace,
        agency=workspace.account.is_agency,
        active_keys=active,
        revoked_keys=revoked,
        activity=recent_api_key_activity(workspace),
        access_labels=ACCESS_LABELS,
    ), status


@bp.get("/api-keys")
@requires("manage_api_keys")
def api_keys():
    """List the workspace's keys, with the create form on the Agency plan."""
    return _keys_page(ApiKeyForm())


@bp.post("/api-keys")
@requires("manage_api_keys")
def api_keys_create():
    """Create a key and show it, this once, in the response (never stored anywhere)."""
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _keys_page(form, 400)
    if form.submission.data and form.submission.data == session.get(LAST_SUBMISSION_KEY):
        flash(ALREADY_CREATED, "info")
        return redirect(url_for("settings.api_keys"), 303)
    try:
        created = create_api_key(
            current_workspace(), current_user, form.name.data, form.access.data, client_ip()
        )
    except PlanRequired as error:
        db.session.rollback()
        flash(error.message, "error")
        return _keys_page(form, 403)
    except ServiceError as error:
        undo_and_attach_error(form, error, "name")
        return _keys_page(form, 400)
    db.session.commit()
    session[LAST_SUBMISSION_KEY] = form.submission.data
    response = make_response(
        render_template(
            "settings/api_key_created.html",
            api_key=created.api_key,
            secret=created.secret,
            access_labels=ACCESS_LABELS,
            try_url=_try_url(),
        ),
        201,
    )
    # The key is in this page only: no cache, back button or proxy may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api-keys/<key_uuid>/revoke")
@requires("manage_api_keys")
def api_keys_revoke_confirm(key_uuid: str):
    """Ask for confirmation before revoking (works without JavaScript)."""
    try:
        api_key = get_api_key(current_workspace(), key_uuid)
    except NotFound:
        abort(404)
    if api_key.is_revoked:
        flash(f"The API key “{api_key.name}” was already revoked.", "info")
        return redirect(url_for("settings.api_keys"))
    return render_template("settings/api_key_revoke.html", api_key=api_key, form=RevokeApiKeyForm())


@bp.post("/api-keys/<key_uuid>/revoke")
@requires("manage_api_keys")
def api_keys_revoke(key_uuid: str):
    """Revoke a key for good; it is refused from the next request on."""
    try:
        api_key = revoke_api_key(current_workspace(), key_uuid, current_user, client_ip())
    except NotFound:
        db.session.rollback()
        abort(404)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(url_for("settings.api_keys"))
    db.session.commit()
    flash(
        f"API key “{api_key.name}” revoked. Requests that use it are refused from now on.",
        "success",
    )
    return redirect(url_for("settings.api_keys"))
