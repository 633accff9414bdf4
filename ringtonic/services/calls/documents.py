"""The JSON document of a call: what GET /api/v1/calls/{id} returns and webhooks send."""

from __future__ import annotations

from typing import Any

from ringtonic.models import Call, Campaign, PhoneNumber
from ringtonic.models.website import CLICK_IDS, UTM_TAGS, VisitorSession
from ringtonic.services.reporting.periods import iso_utc


def or_none(text: str | None) -> str | None:
    """Return the text, or None for a blank."""
    return text or None


def campaign_reference(campaign: Campaign | None) -> dict[str, Any] | None:
    """Name a campaign inside another object."""
    if campaign is None:
        return None
    return {"uuid": str(campaign.uuid), "name": campaign.name}


def number_reference(phone_number: PhoneNumber | None) -> dict[str, Any] | None:
    """Name a tracking number inside another object."""
    if phone_number is None:
        return None
    return {
        "uuid": str(phone_number.uuid),
        "number": phone_number.number,
        "friendly_name": phone_number.friendly_name,
    }


def call_document(call: Call) -> dict[str, Any]:
    """Describe a call: every field, blanks as null, money as a two-decimal string."""
    return {
        "uuid": str(call.uuid),
        "started_at": iso_utc(call.started_at),
        "duration_seconds": call.duration_seconds,
        "status": call.status,
        "first_call": call.first_call,
        "spam": call.spam,
        "caller_number": or_none(call.caller_number),
        "caller_city": or_none(call.caller_city),
        "caller_state": or_none(call.caller_state),
        "caller_zip": or_none(call.caller_zip),
        "caller_country": or_none(call.caller_country),
        "source": or_none(call.source),
        "medium": or_none(call.medium),
        "tracking_number": call.tracking_number,
        "phone_number": number_reference(call.phone_number),
        "campaign": campaign_reference(call.campaign),
        "provider_call_id": call.provider_call_id,
        "external_id": call.external_id,
        "note": call.note,
        "tags": list(call.tags or []),
        "lead_status": call.lead_status,
        "value": f"{call.value:.2f}" if call.value is not None else None,
        "visitor_session": visitor_session_document(call.visitor_session),
        "created_at": iso_utc(call.created_at),
        "updated_at": iso_utc(call.updated_at),
    }


VISIT_TEXT_FIELDS = (
    "landing_page",
    "referrer",
    "source",
    "medium",
    "first_touch_source",
    "first_touch_medium",
    *UTM_TAGS,
    *CLICK_IDS,
    "ga_client_id",
    "ga_session_id",
    "city",
    "state",
    "country",
)


def visitor_session_document(visit: VisitorSession | None) -> dict[str, Any] | None:
    """Describe the website visit a call came from (None for calls not from a pool number)."""
    if visit is None:
        return None
    document: dict[str, Any] = {"uuid": str(visit.uuid), "started_at": iso_utc(visit.started_at)}
    document.update({name: or_none(getattr(visit, name)) for name in VISIT_TEXT_FIELDS})
    document["keyword"] = or_none(visit.utm_term)
    return document
