"""JSON shapes of the API's resources."""

from __future__ import annotations

from ringtonic.models import Account, ApiKey, Workspace
from ringtonic.web.time_filters import iso_utc


def me_document(api_key: ApiKey, workspace: Workspace, account: Account) -> dict:
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
