"""Webhooks of campaign call flows: the gate's key, the whisper, recordings and transcripts."""

from __future__ import annotations

from flask import request
from twilio.twiml.voice_response import VoiceResponse

from ringtonic.extensions import db
from ringtonic.hooks import bp, flow_twiml
from ringtonic.hooks.views import (
    log_unknown_number,
    refuse_invalid,
    twiml,
    verified_workspace,
)
from ringtonic.models import Campaign, Workspace
from ringtonic.services.calls.ingest import call_sid, find_call
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.handling.flows import fail_gate, flow_of, whisper_text
from ringtonic.services.recordings.intake import (
    attach_transcription,
    recording_sid,
    register_recording,
)

# What the caller presses to be connected.
GATE_KEY = "1"


def _stored_call(workspace: Workspace, sid: str):
    call = find_call(workspace, sid)
    if call is None:
        raise NotFound("No call with this CallSid.", "CallSid")
    return call


@bp.post("/twilio/gate/<workspace_uuid>")
def twilio_gate(workspace_uuid: str):
    """Connect a caller who pressed 1; anyone else is recorded as spam_gate_failed."""
    workspace, refusal = verified_workspace(workspace_uuid)
    if refusal is not None:
        return refusal
    params = request.form.to_dict()
    reply = VoiceResponse()
    try:
        call = _stored_call(workspace, call_sid(params))
    except ValidationError as error:
        return refuse_invalid(workspace, error)
    except NotFound:
        log_unknown_number(workspace, params)
        reply.hangup()
        return twiml(reply)
    flow = flow_of(call.campaign_id)
    number = call.phone_number.forwarding_number if call.phone_number else ""
    digits = (params.get("Digits") or "").strip()
    if digits == GATE_KEY and flow is not None and number and call.status != "spam_gate_failed":
        flow_twiml.connect(reply, workspace, call, flow, number)
    else:
        fail_gate(call)
        reply.hangup()
    db.session.commit()
    return twiml(reply)


@bp.post("/twilio/whisper/<workspace_uuid>")
def twilio_whisper(workspace_uuid: str):
    """Tell the business where the call came from, before it is connected (<Number url>)."""
    workspace, refusal = verified_workspace(workspace_uuid)
    if refusal is not None:
        return refusal
    params = request.form.to_dict()
    reply = VoiceResponse()
    # Twilio requests the whisper on the business's leg: its parent is the stored call.
    parent = (params.get("ParentCallSid") or "").strip()
    call = find_call(workspace, parent) if parent else None
    flow = flow_of(call.campaign_id) if call is not None else None
    if call is not None and flow is not None and flow.whisper_enabled:
        campaign = db.session.get(Campaign, call.campaign_id)
        reply.say(whisper_text(flow, call, campaign.name if campaign else ""))
    # An empty answer connects the call as it is.
    return twiml(reply)


def _recording_callback(workspace_uuid: str, store) -> object:
    workspace, refusal = verified_workspace(workspace_uuid)
    if refusal is not None:
        return refusal
    params = request.form.to_dict()
    try:
        recording_sid(params)  # junk is refused before anything is looked up
        call = _stored_call(workspace, call_sid(params))
        store(workspace, call, params)
    except ValidationError as error:
        return refuse_invalid(workspace, error)
    except NotFound:
        db.session.rollback()
        log_unknown_number(workspace, params)
    else:
        db.session.commit()
    return twiml(VoiceResponse())


@bp.post("/twilio/recording/<workspace_uuid>")
def twilio_recording(workspace_uuid: str):
    """Store a recording Twilio finished (recordingStatusCallback of <Dial> and <Record>)."""
    return _recording_callback(workspace_uuid, register_recording)


@bp.post("/twilio/transcription/<workspace_uuid>")
def twilio_transcription(workspace_uuid: str):
    """Store a voicemail's transcript (transcribeCallback of <Record>)."""
    return _recording_callback(workspace_uuid, attach_transcription)
