"""Views of the app shell."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ringtonic.services.accounts import policy
from ringtonic.services.accounts.workspaces import get_workspace, list_workspaces
from ringtonic.services.errors import NotFound
from ringtonic.services.reporting.dashboard import dashboard_summary
from ringtonic.services.webhooks.endpoints import auto_disabled_endpoints
from ringtonic.web import bp
from ringtonic.web.access import (
    choose_workspace,
    current_user_can,
    current_workspace,
    requires,
)
from ringtonic.web.charts import daily_bar_chart
from ringtonic.web.forms import SwitchWorkspaceForm


@bp.app_context_processor
def inject_shell() -> dict:
    """Give every template the current workspace and the switcher's choices."""
    if not current_user or not current_user.is_authenticated:
        return {}
    return {
        "current_workspace": current_workspace(),
        "all_workspaces": list_workspaces(current_user.account),
        # Only rendered here, never read: touching the request body would re-raise a 413.
        "switch_form": SwitchWorkspaceForm(formdata=None),
        "can": current_user_can,
    }


@bp.get("/healthz")
def healthz():
    """Answer load balancers: the process is up (no database, no auth)."""
    return {"status": "ok"}


@bp.get("/")
@requires("view_data")
def dashboard():
    """Show the current workspace's calls at a glance: periods, outcomes, sources, days."""
    workspace = current_workspace()
    summary = dashboard_summary(workspace)
    chart = daily_bar_chart(summary.days) if summary else None
    return render_template(
        "web/dashboard.html",
        workspace=workspace,
        summary=summary,
        chart=chart,
        can_import=policy.can(current_user, "manage_calls"),
        failing_webhooks=auto_disabled_endpoints(workspace),
    )


@bp.post("/workspaces/switch")
@requires("view_data")
def switch_workspace():
    """Make another of the account's workspaces the current one."""
    form = SwitchWorkspaceForm()
    if form.validate_on_submit():
        try:
            workspace = get_workspace(current_user.account, form.workspace.data)
        except NotFound:
            flash("That workspace does not exist.", "error")
        else:
            choose_workspace(workspace)
            flash(f"Now working in {workspace.name}.", "success")
    target = request.referrer or ""
    # Only follow a referrer on this site; anything else goes to the dashboard.
    if not target.startswith(request.host_url):
        target = url_for("web.dashboard")
    return redirect(target)
