"""The public URLs of the webhooks: what Twilio requests, and so what it signs."""

from __future__ import annotations

from flask import request

from ringtonic.models import Workspace
from ringtonic.urls import absolute_url_for, absolute_url_of_request


def voice_webhook_url(workspace: Workspace) -> str:
    """Return the URL to paste into Twilio as "A call comes in"."""
    return absolute_url_for("hooks.twilio_voice", workspace_uuid=str(workspace.uuid))


def status_webhook_url(workspace: Workspace) -> str:
    """Return the URL to paste into Twilio as "Call status changes".

    Twilio signs the URL it requested. Behind a proxy that rewrites the host or scheme,
    set RINGTONIC_PUBLIC_URL, or signatures will never match.
    """
    return absolute_url_for("hooks.twilio_status", workspace_uuid=str(workspace.uuid))


def requested_public_url() -> str:
    """Return the public URL of the current request, as Twilio signed it."""
    return absolute_url_of_request(request.query_string.decode("latin-1"))


def gate_webhook_url(workspace: Workspace) -> str:
    """Return where Twilio sends the key a caller pressed at a campaign's gate."""
    return absolute_url_for("hooks.twilio_gate", workspace_uuid=str(workspace.uuid))


def whisper_webhook_url(workspace: Workspace) -> str:
    """Return the TwiML Twilio plays to the business when it answers (<Number url>)."""
    return absolute_url_for("hooks.twilio_whisper", workspace_uuid=str(workspace.uuid))


def recording_webhook_url(workspace: Workspace) -> str:
    """Return where Twilio reports a finished recording (recordingStatusCallback)."""
    return absolute_url_for("hooks.twilio_recording", workspace_uuid=str(workspace.uuid))


def transcription_webhook_url(workspace: Workspace) -> str:
    """Return where Twilio sends a voicemail's transcript (transcribeCallback)."""
    return absolute_url_for("hooks.twilio_transcription", workspace_uuid=str(workspace.uuid))
