"""View decorators and helpers for the signed-in user's role and current workspace."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import abort, g, request, session
from flask_login import current_user, login_required

from ringtonic.models import Workspace
from ringtonic.rate_limits import address_identifier
from ringtonic.services.accounts import policy
from ringtonic.services.accounts.workspaces import get_workspace, list_workspaces
from ringtonic.services.errors import NotFound

WORKSPACE_SESSION_KEY = "workspace"


def requires(permission: str) -> Callable:
    """Require sign-in and a role holding `permission` (403 otherwise)."""
    policy.PERMISSIONS[permission]  # fail at import time on a typo, not at request time

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not policy.can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        vars(wrapper)["required_permission"] = permission  # read with getattr
        return wrapper

    return decorator


def current_user_can(permission: str) -> bool:
    """Return whether the signed-in user holds `permission` (templates call it as `can`)."""
    return bool(current_user and current_user.is_authenticated) and policy.can(
        current_user, permission
    )


def current_workspace() -> Workspace:
    """Return the workspace the signed-in user is working in, chosen in the switcher."""
    if "current_workspace" in g:
        return g.current_workspace
    account = current_user.account
    workspace = None
    chosen = session.get(WORKSPACE_SESSION_KEY)
    if chosen:
        try:
            workspace = get_workspace(account, chosen)
        except NotFound:
            workspace = None
    if workspace is None:
        workspaces = list_workspaces(account)
        if not workspaces:
            abort(404)
        workspace = workspaces[0]
        session[WORKSPACE_SESSION_KEY] = str(workspace.uuid)
    g.current_workspace = workspace
    return workspace


def choose_workspace(workspace: Workspace) -> None:
    """Make `workspace` the current one for this browser session."""
    session[WORKSPACE_SESSION_KEY] = str(workspace.uuid)
    g.current_workspace = workspace


def client_ip() -> str | None:
    """Return the client address (ProxyFix has applied any trusted X-Forwarded-For)."""
    return request.remote_addr


def client_identity() -> str:
    """Return who the client is for per-address rate limits (rate_limits.address_identifier)."""
    return address_identifier(request.remote_addr)
