"""Who may do what: the one table of role permissions."""

from __future__ import annotations

from ringtonic.models import User

# Each permission lists the roles that hold it. Views check these names, never roles.
PERMISSIONS: dict[str, frozenset[str]] = {
    "view_data": frozenset({"admin", "manager", "member"}),
    "export_data": frozenset({"admin", "manager", "member"}),
    "manage_plan": frozenset({"admin"}),
    "manage_workspaces": frozenset({"admin"}),
    "manage_team": frozenset({"admin"}),
    "manage_telephony": frozenset({"admin"}),
    "manage_api_keys": frozenset({"admin", "manager"}),
    "manage_campaigns": frozenset({"admin", "manager"}),
    "manage_numbers": frozenset({"admin", "manager"}),
    "manage_calls": frozenset({"admin", "manager"}),
    "manage_blocked_numbers": frozenset({"admin", "manager"}),
    "manage_account_blocked_numbers": frozenset({"admin"}),
    "manage_website_tracking": frozenset({"admin", "manager"}),
    "view_audit_log": frozenset({"admin"}),
}

# What each permission lets a person do, in words; Settings → Team shows this table.
PERMISSION_LABELS: dict[str, str] = {
    "view_data": "See dashboards, calls, campaigns, numbers and the Money Map",
    "export_data": "Export calls as CSV",
    "manage_plan": "Change the plan",
    "manage_workspaces": "Create and edit workspaces",
    "manage_team": "Invite teammates, change roles, remove people",
    "manage_telephony": "Connect telephony (Twilio) credentials",
    "manage_api_keys": "Create and revoke API keys",
    "manage_campaigns": "Create and edit campaigns",
    "manage_numbers": "Add and edit tracking numbers",
    "manage_calls": "Edit calls, import calls, set CRM fields, mark calls as spam",
    "manage_blocked_numbers": "Block numbers in a workspace and see its blocked calls",
    "manage_account_blocked_numbers": "Block numbers in every workspace of the account",
    "manage_website_tracking": "Set up website tracking (snippet, domains, number pool)",
    "view_audit_log": "See the team's activity log",
}


def can(user: User, permission: str) -> bool:
    """Return whether the user's role holds the permission (unknown names are refused)."""
    roles = PERMISSIONS.get(permission)
    if roles is None:
        raise KeyError(f"unknown permission {permission!r}")
    return user.role in roles
