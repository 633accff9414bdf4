"""The public URLs of the webhooks: what Twilio requests, and so what it signs."""

from __future__ import annotations

from flask import current_app, request, url_for

from ringtonic.models import Workspace


def public_base_url() -> str:
    """Return RINGTONIC_PUBLIC_URL, or else the URL this request came in on.

    Twilio signs the URL it requested. Behind a proxy that rewrites the host or scheme,
    set RINGTONIC_PUBLIC_URL, or signatures will never match.
    """
    return current_app.config.get("RINGTONIC_PUBLIC_URL") or request.url_root.rstrip("/")


def _public_url_for(endpoint: str, **values) -> str:
    # url_for includes the mount point (script root); the public base already does.
    path = url_for(endpoint, **values)[len(request.script_root) :]
    return public_base_url() + path


def voice_webhook_url(workspace: Workspace) -> str:
    """Return the URL to paste into Twilio as "A call comes in"."""
    return _public_url_for("hooks.twilio_voice", workspace_uuid=str(workspace.uuid))


def status_webhook_url(workspace: Workspace) -> str:
    """Return the URL to paste into Twilio as "Call status changes"."""
    return _public_url_for("hooks.twilio_status", workspace_uuid=str(workspace.uuid))


def requested_public_url() -> str:
    """Return the public URL of the current request, as Twilio signed it."""
    query = request.query_string.decode("latin-1")
    return public_base_url() + request.path + (f"?{query}" if query else "")
