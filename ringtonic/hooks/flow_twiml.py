"""The TwiML of a campaign's call flow, built with twilio's VoiceResponse."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ringtonic.hooks.urls import (
    gate_webhook_url,
    recording_webhook_url,
    status_webhook_url,
    transcription_webhook_url,
    whisper_webhook_url,
)
from ringtonic.models import Call, CallFlow, Workspace
from ringtonic.services.handling.flows import (
    STAGE_AFTER_HOURS,
    STAGE_CONNECTING,
    STAGE_GATE,
    STAGE_VOICEMAIL,
    route_call,
    set_stage,
)

GATE_TIMEOUT_SECONDS = 6
VOICEMAIL_MAX_SECONDS = 180
# Twilio reports a recording when it is ready, or when nothing was recorded.
RECORDING_EVENTS = "completed absent"


def plain_forward(reply: VoiceResponse, workspace: Workspace, number: str) -> VoiceResponse:
    """Forward the call as it is (no flow): ring the business's line."""
    # Dial's action, not <Number statusCallback>: Twilio requests the action once the
    # forwarded leg ends, under the caller's CallSid (the one stored) and with
    # DialCallStatus/DialCallDuration, the outcome. answerOnBridge keeps the caller
    # hearing ringing (and the caller's leg unanswered) until the business picks up.
    dial = reply.dial(action=status_webhook_url(workspace), method="POST", answer_on_bridge=True)
    dial.number(number)
    return reply


def gate(reply: VoiceResponse, workspace: Workspace, call: Call, flow: CallFlow) -> VoiceResponse:
    """Ask the caller to press 1; Twilio posts Digits (or none, on timeout) to the gate URL."""
    set_stage(call, STAGE_GATE)
    gather = reply.gather(
        action=gate_webhook_url(workspace),
        method="POST",
        input="dtmf",
        num_digits=1,
        timeout=GATE_TIMEOUT_SECONDS,
        action_on_empty_result=True,
    )
    gather.say(flow.gate_prompt)
    return reply


def voicemail(reply: VoiceResponse, workspace: Workspace, flow: CallFlow) -> VoiceResponse:
    """Play the greeting and record a message, transcribed; the Record action ends the call."""
    reply.say(flow.voicemail_greeting)
    reply.record(
        action=status_webhook_url(workspace),
        method="POST",
        max_length=VOICEMAIL_MAX_SECONDS,
        play_beep=True,
        transcribe=True,
        transcribe_callback=transcription_webhook_url(workspace),
        recording_status_callback=recording_webhook_url(workspace),
        recording_status_callback_method="POST",
        recording_status_callback_event=RECORDING_EVENTS,
    )
    # Nothing recorded (silence): Twilio skips the action and carries on here.
    reply.hangup()
    return reply


def connect(
    reply: VoiceResponse,
    workspace: Workspace,
    call: Call,
    flow: CallFlow,
    forwarding_number: str,
) -> VoiceResponse:
    """Past the gate: ring the business (or the after-hours line), or take a voicemail."""
    route = route_call(flow, call, workspace.time_zone, forwarding_number)
    if route.action == "voicemail":
        set_stage(call, STAGE_VOICEMAIL)
        return voicemail(reply, workspace, flow)
    set_stage(call, STAGE_CONNECTING if route.number == forwarding_number else STAGE_AFTER_HOURS)
    dial_options: dict[str, object] = {}
    if flow.recording_enabled:
        # The announcement comes first, before anything rings: all-party consent.
        if flow.consent_enabled:
            reply.say(flow.consent_text)
        dial_options = {
            "record": "record-from-answer-dual",
            "recording_status_callback": recording_webhook_url(workspace),
            "recording_status_callback_method": "POST",
            "recording_status_callback_event": RECORDING_EVENTS,
        }
    dial = reply.dial(
        action=status_webhook_url(workspace),
        method="POST",
        answer_on_bridge=True,
        **dial_options,
    )
    if flow.whisper_enabled:
        dial.number(route.number, url=whisper_webhook_url(workspace), method="POST")
    else:
        dial.number(route.number)
    return reply


def start(
    reply: VoiceResponse, workspace: Workspace, call: Call, flow: CallFlow | None, number: str
) -> VoiceResponse:
    """Answer a new call: the gate first when the campaign has one, else connect."""
    if flow is None:
        return plain_forward(reply, workspace, number)
    if flow.gate_enabled:
        return gate(reply, workspace, call, flow)
    return connect(reply, workspace, call, flow, number)
