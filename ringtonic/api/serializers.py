"""JSON shapes of the API's resources."""

from __future__ import annotations

from typing import Any

from ringtonic.models import Campaign, PhoneNumber
from ringtonic.services.calls.documents import (  # noqa: F401  (the API's shapes)
    VISIT_TEXT_FIELDS as VISIT_TEXT_FIELDS,
)
from ringtonic.services.calls.documents import (
    call_document as call_document,
)
from ringtonic.services.calls.documents import (
    campaign_reference,
)
from ringtonic.services.keys.api_keys import AccountSnapshot, ApiKeySnapshot, WorkspaceSnapshot
from ringtonic.services.reporting.periods import iso_utc


def me_document(
    api_key: ApiKeySnapshot, workspace: WorkspaceSnapshot, account: AccountSnapshot
) -> dict[str, Any]:
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


def campaign_document(campaign: Campaign) -> dict[str, Any]:
    """Describe a campaign."""
    return {
        "uuid": str(campaign.uuid),
        "name": campaign.name,
        "type": campaign.type,
        "status": campaign.status,
        "created_at": iso_utc(campaign.created_at),
        "archived_at": iso_utc(campaign.archived_at) if campaign.archived_at else None,
    }


def phone_number_document(phone_number: PhoneNumber) -> dict[str, Any]:
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
