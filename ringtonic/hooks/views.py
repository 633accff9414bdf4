"""Twilio voice and status webhooks: verify the signature, store the call, answer TwiML."""

from __future__ import annotations

import logging

from flask import Response, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from ringtonic.extensions import db
from ringtonic.hooks import bp, flow_twiml
from ringtonic.hooks.urls import requested_public_url
from ringtonic.models import Workspace
from ringtonic.services.calls.ingest import (
    apply_status_callback,
    call_sid,
    find_tracking_number,
    record_inbound_call,
)
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.handling.blocks import (
    blocked_caller,
    is_blocked_call,
    record_blocked_call,
)
from ringtonic.services.handling.flows import STAGE_VOICEMAIL, flow_of, set_stage
from ringtonic.services.telephony.credentials import find_webhook_workspace, get_auth_token

log = logging.getLogger(__name__)
# Dial outcomes after which a campaign with voicemail takes a message.
_UNANSWERED = frozenset({"no-answer", "busy", "failed"})


@bp.after_request
def forbid_caching(response: Response) -> Response:
    """TwiML names the business's real line: no cache on the way may keep it."""
    response.headers["Cache-Control"] = "no-store"
    return response


def twiml(reply: VoiceResponse) -> Response:
    """Return TwiML as Twilio expects it."""
    return Response(str(reply), mimetype="text/xml")


def refuse(status: int) -> Response:
    """Answer with an empty body: nothing for an unauthenticated sender to learn."""
    return Response("", status=status, mimetype="text/plain")


def verified_workspace(workspace_uuid: str) -> tuple[Workspace | None, Response | None]:
    """Return the workspace if the request carries its valid Twilio signature."""
    workspace = find_webhook_workspace(workspace_uuid)
    if workspace is None:
        return None, refuse(404)
    token = get_auth_token(workspace, current_app.config["SECRET_KEY"])
    signature = request.headers.get("X-Twilio-Signature", "")
    if token is None or not signature:
        return None, refuse(403)
    if not RequestValidator(token).validate(requested_public_url(), request.form, signature):
        log.warning("Twilio webhook for workspace %s: bad signature, refused", workspace.uuid)
        return None, refuse(403)
    return workspace, None


def refuse_invalid(workspace: Workspace, error: ValidationError) -> Response:
    """Refuse a signed but unusable webhook (400); the reason goes to the operator's log."""
    db.session.rollback()
    log.warning("Twilio webhook for workspace %s refused: %s", workspace.uuid, error.message)
    return refuse(400)


def log_unknown_number(workspace: Workspace, params: dict) -> None:
    """Note a call to a number this workspace does not track (or a call it never stored)."""
    log.warning(
        "Twilio call %s to %s: not a tracking number of workspace %s",
        params.get("CallSid", "?"),
        params.get("To", "?"),
        workspace.uuid,
    )


def _reject_blocked(workspace: Workspace, params: dict) -> Response | None:
    """Refuse a blocked caller before anything rings (and log the attempt), else None."""
    block = blocked_caller(workspace, params.get("From"))
    if block is None:
        return None
    phone_number = find_tracking_number(workspace, params.get("To"))
    if phone_number is None:
        log_unknown_number(workspace, params)
    else:
        record_blocked_call(workspace, block, phone_number, phone_number.number, call_sid(params))
        db.session.commit()
    reply = VoiceResponse()
    reply.reject()
    return twiml(reply)


@bp.post("/twilio/voice/<workspace_uuid>")
def twilio_voice(workspace_uuid: str):
    """Store an incoming call and answer with the campaign's flow (or a plain forward)."""
    workspace, refusal = verified_workspace(workspace_uuid)
    if refusal is not None:
        return refusal
    params = request.form.to_dict()
    try:
        rejection = _reject_blocked(workspace, params)
        if rejection is not None:
            return rejection
        call = record_inbound_call(workspace, params)
    except ValidationError as error:
        return refuse_invalid(workspace, error)
    except NotFound:
        db.session.rollback()
        call = None
    phone_number = call.phone_number if call is not None else None
    reply = VoiceResponse()
    if phone_number is None:
        log_unknown_number(workspace, params)
        reply.reject()
        return twiml(reply)
    flow = flow_of(call.campaign_id)
    flow_twiml.start(reply, workspace, call, flow, phone_number.forwarding_number)
    db.session.commit()
    return twiml(reply)


def _after_dial(workspace: Workspace, call, params: dict) -> VoiceResponse:
    """Answer Dial's action: a voicemail when nobody answered and the campaign takes them."""
    reply = VoiceResponse()
    dial_status = (params.get("DialCallStatus") or "").strip().lower()
    flow = flow_of(call.campaign_id) if dial_status in _UNANSWERED else None
    # A retried action gets the same TwiML again: the first answer may have been lost.
    if flow is not None and flow.voicemail_enabled:
        set_stage(call, STAGE_VOICEMAIL)
        flow_twiml.voicemail(reply, workspace, flow)
    return reply


@bp.post("/twilio/status/<workspace_uuid>")
def twilio_status(workspace_uuid: str):
    """Update a call from a status callback, Dial's action or Record's action."""
    workspace, refusal = verified_workspace(workspace_uuid)
    if refusal is not None:
        return refusal
    params = request.form.to_dict()
    reply = VoiceResponse()
    try:
        if is_blocked_call(workspace, call_sid(params)):
            return twiml(reply)  # the refused call's own status report: not a call
        call = apply_status_callback(workspace, params)
        reply = _after_dial(workspace, call, params)
    except ValidationError as error:
        return refuse_invalid(workspace, error)
    except NotFound:
        db.session.rollback()
        log_unknown_number(workspace, params)
    else:
        db.session.commit()
    # As an action with nothing more to do, this empty response ends the call; status
    # callbacks ignore it.
    return twiml(reply)
