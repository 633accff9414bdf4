"""Twilio voice and status webhooks: verify the signature, store the call, answer TwiML."""

from __future__ import annotations

import logging

from flask import Response, current_app, g, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from ringtonic.extensions import db
from ringtonic.hooks import bp
from ringtonic.hooks.urls import requested_public_url, status_webhook_url
from ringtonic.models import Workspace
from ringtonic.observability.metrics import record_webhook
from ringtonic.services.calls.ingest import apply_status_callback, record_inbound_call
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.telephony.credentials import find_webhook_workspace, get_auth_token

log = logging.getLogger(__name__)


@bp.after_request
def forbid_caching(response: Response) -> Response:
    """TwiML names the business's real line: no cache on the way may keep it."""
    response.headers["Cache-Control"] = "no-store"
    return response


# What became of a webhook, by the status it was answered with (unless the view said).
_OUTCOMES = {200: "stored", 400: "invalid", 403: "bad_signature", 404: "unknown_workspace"}
_KINDS = {"hooks.twilio_voice": "voice", "hooks.twilio_status": "status"}


@bp.after_request
def count_webhook(response: Response) -> Response:
    """Count each Twilio webhook by kind and outcome for /metrics."""
    kind = _KINDS.get(request.endpoint or "")
    if kind is not None:
        outcome = g.get("webhook_outcome") or _OUTCOMES.get(response.status_code, "error")
        record_webhook(kind, outcome)
    return response


def _twiml(reply: VoiceResponse) -> Response:
    return Response(str(reply), mimetype="text/xml")


def _refuse(status: int) -> Response:
    # Empty body: nothing for an unauthenticated sender to learn, and no HTML error page.
    return Response("", status=status, mimetype="text/plain")


def _verified_workspace(workspace_uuid: str) -> tuple[Workspace | None, Response | None]:
    """Return the workspace if the request carries its valid Twilio signature."""
    workspace = find_webhook_workspace(workspace_uuid)
    if workspace is None:
        return None, _refuse(404)
    token = get_auth_token(workspace, current_app.config["SECRET_KEY"])
    signature = request.headers.get("X-Twilio-Signature", "")
    if token is None or not signature:
        return None, _refuse(403)
    if not RequestValidator(token).validate(requested_public_url(), request.form, signature):
        log.warning("Twilio webhook for workspace %s: bad signature, refused", workspace.uuid)
        return None, _refuse(403)
    return workspace, None


def _refuse_invalid(workspace: Workspace, error: ValidationError) -> Response:
    """Refuse a signed but unusable webhook (400); the reason goes to the operator's log."""
    db.session.rollback()
    log.warning("Twilio webhook for workspace %s refused: %s", workspace.uuid, error.message)
    return _refuse(400)


def _log_unknown_number(workspace: Workspace, params: dict) -> None:
    g.webhook_outcome = "unknown_number"
    log.warning(
        "Twilio call %s to %s: not a tracking number of workspace %s",
        params.get("CallSid", "?"),
        params.get("To", "?"),
        workspace.uuid,
    )


@bp.post("/twilio/voice/<workspace_uuid>")
def twilio_voice(workspace_uuid: str):
    """Store an incoming call and tell Twilio to forward it to the business's line."""
    workspace, refusal = _verified_workspace(workspace_uuid)
    if refusal is not None:
        return refusal
    params = request.form.to_dict()
    try:
        call = record_inbound_call(workspace, params)
    except ValidationError as error:
        return _refuse_invalid(workspace, error)
    except NotFound:
        db.session.rollback()
        call = None
    phone_number = call.phone_number if call is not None else None
    reply = VoiceResponse()
    if phone_number is None:
        _log_unknown_number(workspace, params)
        reply.reject()
        return _twiml(reply)
    forwarding_number = phone_number.forwarding_number
    db.session.commit()
    # Dial's action URL, not <Number statusCallback>: Twilio requests the action once the
    # forwarded leg ends, under the caller's CallSid (the one stored) and with
    # DialCallStatus/DialCallDuration, the outcome. A <Number> callback would report the
    # child leg under its own CallSid. answerOnBridge keeps the caller hearing ringing
    # (and the caller's leg unanswered) until the business picks up.
    dial = reply.dial(action=status_webhook_url(workspace), method="POST", answer_on_bridge=True)
    dial.number(forwarding_number)
    return _twiml(reply)


@bp.post("/twilio/status/<workspace_uuid>")
def twilio_status(workspace_uuid: str):
    """Update a call from a status callback or from Dial's action request."""
    workspace, refusal = _verified_workspace(workspace_uuid)
    if refusal is not None:
        return refusal
    params = request.form.to_dict()
    try:
        apply_status_callback(workspace, params)
    except ValidationError as error:
        return _refuse_invalid(workspace, error)
    except NotFound:
        db.session.rollback()
        _log_unknown_number(workspace, params)
    else:
        db.session.commit()
    # As Dial's action this empty response ends the call; status callbacks ignore it.
    return _twiml(VoiceResponse())
