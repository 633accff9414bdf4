"""Twilio voice and status webhooks: verify the signature, store the call, answer TwiML."""

from __future__ import annotations

from flask import Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from ringtonic.extensions import db
from ringtonic.hooks import bp, flow_twiml
from ringtonic.hooks.callbacks import log_unknown_number, twilio_callback, twiml
from ringtonic.models import Workspace
from ringtonic.observability.metrics import record_webhook
from ringtonic.services.calls.ingest import (
    apply_status_callback,
    call_sid,
    find_tracking_number,
    record_inbound_call,
)
from ringtonic.services.errors import NotFound
from ringtonic.services.handling.blocks import (
    blocked_caller,
    is_blocked_call,
    record_blocked_call,
)
from ringtonic.services.handling.flows import STAGE_VOICEMAIL, flow_of, set_stage

# Dial outcomes after which a campaign with voicemail takes a message.
_UNANSWERED = frozenset({"no-answer", "busy", "failed"})


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
        g.webhook_outcome = "blocked"
    reply = VoiceResponse()
    reply.reject()
    return twiml(reply)


@bp.post("/twilio/voice/<workspace_uuid>")
@twilio_callback(unknown=VoiceResponse.reject)
def twilio_voice(workspace: Workspace, params: dict) -> Response:
    """Store an incoming call and answer with the campaign's flow (or a plain forward)."""
    rejection = _reject_blocked(workspace, params)
    if rejection is not None:
        return rejection
    call = record_inbound_call(workspace, params)
    phone_number = call.phone_number
    if phone_number is None:
        # A repeated CallSid whose tracking number has been deleted since.
        raise NotFound("The dialled number is no longer a tracking number.", "To")
    reply = VoiceResponse()
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
@twilio_callback()
def twilio_status(workspace: Workspace, params: dict) -> Response:
    """Update a call from a status callback, Dial's action or Record's action."""
    if is_blocked_call(workspace, call_sid(params)):
        return twiml(VoiceResponse())  # the refused call's own status report: not a call
    call = apply_status_callback(workspace, params)
    reply = _after_dial(workspace, call, params)
    db.session.commit()
    # As an action with nothing more to do, this empty response ends the call; status
    # callbacks ignore it.
    return twiml(reply)
