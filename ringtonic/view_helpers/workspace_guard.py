"""Forms and exports name the workspace they were shown for; a mismatch changes nothing.

With two tabs open, a form rendered for one workspace and sent after switching to
another in the other tab would otherwise act on the workspace switched to.
"""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from ringtonic.models import Workspace
from ringtonic.security import OWN_BODY_PREFIXES
from ringtonic.services.accounts.workspaces import get_workspace
from ringtonic.services.errors import NotFound
from ringtonic.view_helpers.access import current_workspace

# The hidden field of every signed-in POST form, and the query parameter of export links.
FORM_FIELD = "form_workspace"
EXPORT_PARAMETER = "workspace"
# Forms with no workspace to act on: signing in or out, and the switcher itself.
EXEMPT_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.register",
        "auth.logout",
        "auth.accept_invitation_view",
        "auth.forgot_password",
        "auth.reset_password",
        "web.switch_workspace",
    }
)
MISSING = (
    "This form did not say which workspace it was for, so nothing was changed. "
    "Reload the page and try again."
)


def workspace_field() -> Markup:
    """Return the hidden input naming the current workspace (templates call it in forms)."""
    if not (current_user and current_user.is_authenticated):
        return Markup("")
    value = escape(str(current_workspace().uuid))
    return Markup(f'<input type="hidden" name="{FORM_FIELD}" value="{value}">')


def _named(raw: str) -> Workspace | None:
    try:
        return get_workspace(current_user.account, raw)
    except NotFound:
        return None


def mismatch_message(shown: str, current: Workspace, what: str, outcome: str) -> str | None:
    """Return why `shown` (a workspace id from a page) is not the current one, or None."""
    if shown == str(current.uuid):
        return None
    other = _named(shown)
    if other is not None and other.id == current.id:
        return None  # the same id written another way (upper case, braces)
    here = f"“{current.name}”"
    if other is None:
        return (
            f"This {what} was for a workspace you cannot work in now, not {here}. "
            f"Nothing was {outcome}. Reload the page to work in {here}."
        )
    return (
        f"This {what} was for “{other.name}”, but you are now working in {here} "
        f"(switched in another tab or window). Nothing was {outcome}. "
        f"Switch back to “{other.name}”, or reload the page to work in {here}."
    )


def _back():
    target = request.referrer or ""
    # Only back to a page on this site; anything else goes to the dashboard.
    if not target.startswith(request.host_url):
        target = url_for("web.dashboard")
    return redirect(target, 303)


def _check_form_workspace():
    """Refuse a signed-in POST whose form was rendered for another workspace."""
    if request.method != "POST" or request.path.startswith(OWN_BODY_PREFIXES):
        return None
    if request.endpoint is None or request.endpoint in EXEMPT_ENDPOINTS:
        return None
    if not (current_user and current_user.is_authenticated):
        return None  # the view's sign-in check sends the visitor to sign in
    shown = request.form.get(FORM_FIELD, "").strip()
    if not shown:
        flash(MISSING, "error")
        return _back()
    message = mismatch_message(shown, current_workspace(), "form", "changed")
    if message:
        flash(message, "error")
        return _back()
    return None


def check_export_workspace(fallback_endpoint: str):
    """Return a redirect when an export link was made for another workspace, else None."""
    shown = request.args.get(EXPORT_PARAMETER, "").strip()
    if not shown:
        return None  # a typed or bookmarked link: the file's name says whose calls it has
    message = mismatch_message(shown, current_workspace(), "export link", "downloaded")
    if message is None:
        return None
    flash(message, "error")
    return redirect(url_for(fallback_endpoint), 303)


def init_app(app: Flask) -> None:
    """Check every POST after CSRFProtect has, and give templates the hidden field."""
    app.before_request(_check_form_workspace)
    app.jinja_env.globals["workspace_field"] = workspace_field
