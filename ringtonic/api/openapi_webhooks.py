"""The `webhooks` section of the OpenAPI document: the events Ring Tonic POSTs to endpoints."""

from __future__ import annotations

from typing import Any

from ringtonic.api.openapi_schemas import DATE_TIME, UUID, closed_object, nullable, ref
from ringtonic.models import WEBHOOK_EVENT_TYPES
from ringtonic.services.webhooks.signing import REPLAY_WINDOW_SECONDS

EVENT_SUMMARIES = {
    "call.started": "A call came in to a tracking number.",
    "call.completed": "A call ended answered (or a voicemail was left).",
    "call.missed": "A call ended unanswered, busy or failed.",
    "call.updated": "A call's CRM fields or outcome changed after its first outcome event.",
    "call.blocked": "A blocked or spam caller was turned away.",
}

WEBHOOK_SCHEMAS = {
    "BlockedCall": closed_object(
        {
            "provider_call_id": {"type": "string", "description": "Twilio's CallSid."},
            "caller_number": {"type": ["string", "null"], "description": "E.164"},
            "tracking_number": {"type": "string", "description": "E.164"},
            "phone_number": nullable(ref("NumberReference")),
            "scope": {"type": "string", "description": "workspace or account"},
            "reason": {"type": "string"},
            "attempted_at": DATE_TIME,
        }
    ),
    "WebhookChange": closed_object(
        {
            "field": {"type": "string", "description": "The Call field that changed."},
            "old": {"description": "Its value before, as the Call object shows it."},
            "new": {"description": "Its value after, as the Call object shows it."},
        }
    ),
    "WebhookEvent": closed_object(
        {
            "id": {
                "type": "string",
                "pattern": "^evt_[0-9a-f]{32}$",
                "description": "Unique per event; replays and retries repeat it.",
            },
            "type": {"type": "string", "enum": list(WEBHOOK_EVENT_TYPES)},
            "created_at": DATE_TIME,
            "workspace": closed_object({"uuid": UUID, "name": {"type": "string"}}),
            "data": {
                "oneOf": [ref("Call"), ref("BlockedCall")],
                "description": (
                    "The call as GET /calls/{uuid} returns it; for call.blocked, the refused "
                    "attempt (never stored as a call)."
                ),
            },
            "changes": {
                "type": "array",
                "items": ref("WebhookChange"),
                "description": "call.updated only: each changed field, old and new value.",
            },
        },
        required=["id", "type", "created_at", "workspace", "data"],
    ),
}

_HEADERS = [
    {
        "name": "Ringtonic-Signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": (
            '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the '
            "endpoint's whole signing secret (`whsec_…`). During a secret rotation's grace "
            "period there is one `v1=` per secret. Refuse timestamps more than "
            f"{REPLAY_WINDOW_SECONDS} seconds from your clock."
        ),
    },
    {
        "name": "Signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "Hex HMAC-SHA256 of the raw body (comma-separated during a grace period).",
    },
    {
        "name": "Ringtonic-Event-Id",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "The event's `id`: deliveries are at least once, so skip ids you have.",
    },
]


def webhook_operations() -> dict[str, Any]:
    """Return the document's `webhooks`: one POST per event type."""
    return {
        name: {
            "post": {
                "operationId": "webhook_" + name.replace(".", "_"),
                "summary": EVENT_SUMMARIES[name],
                "tags": ["Webhooks"],
                "security": [],
                "parameters": _HEADERS,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("WebhookEvent")}},
                },
                "responses": {
                    "2XX": {"description": "Received. Answer within 10 seconds."},
                    "default": {
                        "description": (
                            "408, 429 (with Retry-After), 5xx and network errors are retried "
                            "with backoff for about 24 hours; any other status is final."
                        )
                    },
                },
            }
        }
        for name in WEBHOOK_EVENT_TYPES
    }
