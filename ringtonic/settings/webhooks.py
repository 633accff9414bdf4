"""Views of Settings → Webhooks: endpoints, secrets (shown once), tests, the delivery log."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.errors import NotFound, PlanRequired, ServiceError
from ringtonic.services.webhooks.endpoints import (
    create_endpoint,
    get_endpoint,
    list_endpoints,
    rotate_secret,
    set_enabled,
    update_endpoint,
)
from ringtonic.services.webhooks.sends import (
    recent_deliveries,
    replay_delivery,
    replay_failed_since,
    send_test,
)
from ringtonic.settings import bp
from ringtonic.settings.webhook_forms import (
    EVENT_LABELS,
    ConfirmForm,
    EndpointForm,
    ReplayFailedForm,
    RotateSecretForm,
    SendTestForm,
)
from ringtonic.view_helpers.access import client_ip, current_workspace, requires
from ringtonic.view_helpers.forms import saved, submit_form, undo_and_attach_error


def _allow_http() -> bool:
    return bool(current_app.config["RINGTONIC_WEBHOOK_ALLOW_HTTP"])


def _list_page(form: EndpointForm, status: int = 200):
    workspace = current_workspace()
    return render_template(
        "settings/webhooks.html",
        form=form,
        workspace=workspace,
        agency=workspace.account.is_agency,
        endpoints=list_endpoints(workspace),
        event_labels=EVENT_LABELS,
    ), status


def _endpoint_or_404(endpoint_uuid: str):
    try:
        return get_endpoint(current_workspace(), endpoint_uuid)
    except NotFound:
        abort(404)


def _endpoint_page(endpoint, status: int = 200, **forms):
    forms.setdefault("edit_form", EndpointForm(obj=endpoint))
    forms.setdefault("rotate_form", RotateSecretForm())
    forms.setdefault("test_form", SendTestForm())
    forms.setdefault("replay_form", ReplayFailedForm())
    grace_until = endpoint.previous_secret_expires_at
    return render_template(
        "settings/webhook.html",
        endpoint=endpoint,
        agency=endpoint.workspace.account.is_agency,
        deliveries=recent_deliveries(endpoint),
        confirm_form=ConfirmForm(),
        event_labels=EVENT_LABELS,
        grace_until=grace_until if grace_until and grace_until > utcnow() else None,
        **forms,
    ), status


def _secret_page(endpoint, secret: str, status: int):
    response = make_response(
        render_template("settings/webhook_secret.html", endpoint=endpoint, secret=secret), status
    )
    # The secret is in this page only: no cache, back button or proxy may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


def _back(endpoint):
    return redirect(url_for("settings.webhook", endpoint_uuid=endpoint.uuid), 303)


def _submit_endpoint_form(endpoint, form, form_name: str, save, message, error_field: str):
    """Submit one of the endpoint page's forms; `message` turns the result into the flash."""
    return submit_form(
        form,
        save,
        # After a rollback the endpoint is read again: the failed change is not shown.
        lambda status: _endpoint_page(
            _endpoint_or_404(str(endpoint.uuid)), status, **{form_name: form}
        ),
        lambda result: saved(
            message(result), url_for("settings.webhook", endpoint_uuid=endpoint.uuid), 303
        ),
        error_field,
    )


@bp.get("/webhooks")
@requires("manage_webhooks")
def webhooks():
    """List the workspace's endpoints, with the add form on the Agency plan."""
    return _list_page(EndpointForm(events=["call.completed", "call.missed"]))


@bp.post("/webhooks")
@requires("manage_webhooks")
def webhooks_create():
    """Add an endpoint and show its signing secret, this once."""
    form = EndpointForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        created = create_endpoint(
            current_workspace(),
            current_user,
            form.url.data,
            form.events.data,
            form.description.data,
            allow_http=_allow_http(),
            secret_key=current_app.config["SECRET_KEY"],
            ip=client_ip(),
        )
    except PlanRequired as error:
        db.session.rollback()
        flash(error.message, "error")
        return _list_page(form, 403)
    except ServiceError as error:
        undo_and_attach_error(form, error, "url")
        return _list_page(form, 400)
    db.session.commit()
    return _secret_page(created.endpoint, created.secret, 201)


@bp.get("/webhooks/<endpoint_uuid>")
@requires("manage_webhooks")
def webhook(endpoint_uuid: str):
    """Show one endpoint: settings, secret rotation, test sends and recent deliveries."""
    return _endpoint_page(_endpoint_or_404(endpoint_uuid))


@bp.post("/webhooks/<endpoint_uuid>")
@requires("manage_webhooks")
def webhook_update(endpoint_uuid: str):
    """Change an endpoint's URL, events and description."""
    endpoint = _endpoint_or_404(endpoint_uuid)
    form = EndpointForm()
    return _submit_endpoint_form(
        endpoint,
        form,
        "edit_form",
        lambda: update_endpoint(
            endpoint,
            form.url.data,
            form.events.data,
            form.description.data,
            allow_http=_allow_http(),
        ),
        lambda _: "Endpoint saved.",
        "url",
    )


def _switch(endpoint_uuid: str, enabled: bool):
    endpoint = _endpoint_or_404(endpoint_uuid)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        set_enabled(endpoint, enabled)
    except PlanRequired as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(endpoint)
    db.session.commit()
    flash("Endpoint switched on." if enabled else "Endpoint switched off.", "success")
    return _back(endpoint)


@bp.post("/webhooks/<endpoint_uuid>/enable")
@requires("manage_webhooks")
def webhook_enable(endpoint_uuid: str):
    """Switch an endpoint on; its failure count starts over."""
    return _switch(endpoint_uuid, True)


@bp.post("/webhooks/<endpoint_uuid>/disable")
@requires("manage_webhooks")
def webhook_disable(endpoint_uuid: str):
    """Switch an endpoint off; events are no longer written for it."""
    return _switch(endpoint_uuid, False)


@bp.post("/webhooks/<endpoint_uuid>/secret")
@requires("manage_webhooks")
def webhook_rotate_secret(endpoint_uuid: str):
    """Make a new signing secret and show it once; the old one signs during the grace period."""
    endpoint = _endpoint_or_404(endpoint_uuid)
    form = RotateSecretForm()
    if not form.validate_on_submit():
        return _endpoint_page(endpoint, 400, rotate_form=form)
    try:
        grace = int(form.grace_hours.data)
        created = rotate_secret(endpoint, grace, current_app.config["SECRET_KEY"])
    except (ValueError, ServiceError):
        db.session.rollback()
        form.grace_hours.errors = ["Choose how long the old secret keeps working."]
        return _endpoint_page(_endpoint_or_404(endpoint_uuid), 400, rotate_form=form)
    db.session.commit()
    return _secret_page(created.endpoint, created.secret, 200)


@bp.post("/webhooks/<endpoint_uuid>/test")
@requires("manage_webhooks")
def webhook_send_test(endpoint_uuid: str):
    """Send a test event of the chosen type to this endpoint."""
    endpoint = _endpoint_or_404(endpoint_uuid)
    form = SendTestForm()
    return _submit_endpoint_form(
        endpoint,
        form,
        "test_form",
        lambda: send_test(endpoint, form.event_type.data),
        lambda _: f"Test {form.event_type.data} event sent; see Recent deliveries.",
        "event_type",
    )


@bp.post("/webhooks/<endpoint_uuid>/deliveries/<delivery_uuid>/replay")
@requires("manage_webhooks")
def webhook_replay(endpoint_uuid: str, delivery_uuid: str):
    """Send a delivery's event again, with the same event id."""
    endpoint = _endpoint_or_404(endpoint_uuid)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        replay_delivery(endpoint, delivery_uuid)
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(endpoint)
    db.session.commit()
    flash("Event sent again.", "success")
    return _back(endpoint)


@bp.post("/webhooks/<endpoint_uuid>/replay-failed")
@requires("manage_webhooks")
def webhook_replay_failed(endpoint_uuid: str):
    """Send again every event whose delivery failed since the given time."""
    endpoint = _endpoint_or_404(endpoint_uuid)
    form = ReplayFailedForm()
    return _submit_endpoint_form(
        endpoint,
        form,
        "replay_form",
        lambda: replay_failed_since(endpoint, form.since.data),
        lambda count: f"{count} failed deliver{'y' if count == 1 else 'ies'} sent again.",
        "since",
    )
