"""Webhooks of campaign call flows: the gate's key, the whisper, recordings and transcripts."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response
from twilio.twiml.voice_response import VoiceResponse

from ringtonic.extensions import db
from ringtonic.hooks import bp, flow_twiml
from ringtonic.hooks.callbacks import stored_call, twilio_callback, twiml
from ringtonic.models import Call, Campaign, Workspace
from ringtonic.services.calls.ingest import find_call
from ringtonic.services.handling.flows import fail_gate, flow_of, whisper_text
from ringtonic.services.recordings.intake import (
    attach_transcription,
    recording_sid,
    register_recording,
)

# What the caller presses to be connected.
GATE_KEY = "1"


@bp.post("/twilio/gate/<workspace_uuid>")
@twilio_callback(unknown=VoiceResponse.hangup)
def twilio_gate(workspace: Workspace, params: dict) -> Response:
    """Connect a caller who pressed 1; anyone else is recorded as spam_gate_failed."""
    call = stored_call(workspace, params)
    reply = VoiceResponse()
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
@twilio_callback()
def twilio_whisper(workspace: Workspace, params: dict) -> Response:
    """Tell the business where the call came from, before it is connected (<Number url>)."""
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


def _store_recording_part(
    workspace: Workspace, params: dict, store: Callable[[Workspace, Call, dict], object]
) -> Response:
    """Store a recording or its transcript on the stored call it belongs to."""
    recording_sid(params)  # junk is refused before anything is looked up
    store(workspace, stored_call(workspace, params), params)
    db.session.commit()
    return twiml(VoiceResponse())


@bp.post("/twilio/recording/<workspace_uuid>")
@twilio_callback()
def twilio_recording(workspace: Workspace, params: dict) -> Response:
    """Store a recording Twilio finished (recordingStatusCallback of <Dial> and <Record>)."""
    return _store_recording_part(workspace, params, register_recording)


@bp.post("/twilio/transcription/<workspace_uuid>")
@twilio_callback()
def twilio_transcription(workspace: Workspace, params: dict) -> Response:
    """Store a voicemail's transcript (transcribeCallback of <Record>)."""
    return _store_recording_part(workspace, params, attach_transcription)
