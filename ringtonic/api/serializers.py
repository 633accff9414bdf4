"""JSON shapes of the API's resources."""

from __future__ import annotations

from ringtonic.models import Call, Campaign, PhoneNumber
from ringtonic.models.website import CLICK_IDS, UTM_TAGS, VisitorSession
from ringtonic.services.keys.api_keys import AccountSnapshot, ApiKeySnapshot, WorkspaceSnapshot
from ringtonic.services.reporting.periods import iso_utc


def me_document(
    api_key: ApiKeySnapshot, workspace: WorkspaceSnapshot, account: AccountSnapshot
) -> dict:
    """Describe who a key acts as: its workspace, account and itself."""
    return {
        "workspace": {
            "uuid": str(workspace.uuid),
            "name": workspace.name,
            "time_zone": workspace.time_zone,
        },
        "account": {"name": account.name, "plan": account.plan},
        "api_key": {
            "name": api_key.name,
            "hint": api_key.hint,
            "access": api_key.access,
            "created_at": iso_utc(api_key.created_at),
        },
    }


def _or_none(text: str | None) -> str | None:
    return text or None


def campaign_reference(campaign: Campaign | None) -> dict | None:
    """Name a campaign inside another object."""
    if campaign is None:
        return None
    return {"uuid": str(campaign.uuid), "name": campaign.name}


def number_reference(phone_number: PhoneNumber | None) -> dict | None:
    """Name a tracking number inside another object."""
    if phone_number is None:
        return None
    return {
        "uuid": str(phone_number.uuid),
        "number": phone_number.number,
        "friendly_name": phone_number.friendly_name,
    }


def campaign_document(campaign: Campaign) -> dict:
    """Describe a campaign."""
    return {
        "uuid": str(campaign.uuid),
        "name": campaign.name,
        "type": campaign.type,
        "status": campaign.status,
        "created_at": iso_utc(campaign.created_at),
        "archived_at": iso_utc(campaign.archived_at) if campaign.archived_at else None,
    }


def phone_number_document(phone_number: PhoneNumber) -> dict:
    """Describe a tracking number."""
    return {
        "uuid": str(phone_number.uuid),
        "number": phone_number.number,
        "friendly_name": phone_number.friendly_name,
        "forwarding_number": phone_number.forwarding_number,
        "campaign": campaign_reference(phone_number.campaign),
        "source": phone_number.source,
        "medium": phone_number.medium,
        "created_at": iso_utc(phone_number.created_at),
    }


def call_document(call: Call) -> dict:
    """Describe a call: every field, blanks as null, money as a two-decimal string."""
    return {
        "uuid": str(call.uuid),
        "started_at": iso_utc(call.started_at),
        "duration_seconds": call.duration_seconds,
        "status": call.status,
        "first_call": call.first_call,
        "spam": call.spam,
        "caller_number": _or_none(call.caller_number),
        "caller_city": _or_none(call.caller_city),
        "caller_state": _or_none(call.caller_state),
        "caller_zip": _or_none(call.caller_zip),
        "caller_country": _or_none(call.caller_country),
        "source": _or_none(call.source),
        "medium": _or_none(call.medium),
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


def visitor_session_document(visit: VisitorSession | None) -> dict | None:
    """Describe the website visit a call came from (None for calls not from a pool number)."""
    if visit is None:
        return None
    document: dict = {"uuid": str(visit.uuid), "started_at": iso_utc(visit.started_at)}
    document.update({name: _or_none(getattr(visit, name)) for name in VISIT_TEXT_FIELDS})
    document["keyword"] = _or_none(visit.utm_term)
    return document
