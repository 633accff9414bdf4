"""Views of the app shell."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ringtonic.models.types import utcnow
from ringtonic.services.accounts import policy
from ringtonic.services.accounts.workspaces import get_workspace, list_workspaces
from ringtonic.services.calls.pages import period_dates
from ringtonic.services.calls.queries import CallFilters, filter_choices, parse_call_filters
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.reporting.dashboard import dashboard_summary
from ringtonic.services.webhooks.endpoints import auto_disabled_endpoints
from ringtonic.view_helpers.access import (
    choose_workspace,
    current_user_can,
    current_workspace,
    requires,
)
from ringtonic.view_helpers.forms import attach_error
from ringtonic.web import bp
from ringtonic.web.charts import daily_bar_chart
from ringtonic.web.forms import DashboardFilterForm, SwitchWorkspaceForm


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


def _dashboard_days(workspace) -> tuple[str, CallFilters]:
    """Read the dashboard's period, dates and campaign as the calls log reads them."""
    period = request.args.get("period", "").strip()
    today = utcnow().astimezone(ZoneInfo(workspace.time_zone)).date()
    first, last = period_dates(period, today)
    if period == "custom":
        dates = {name: request.args.get(name, "") for name in ("start_date", "end_date")}
    else:
        dates = {
            "start_date": first.isoformat() if first else "",
            "end_date": last.isoformat() if last else "",
        }
    filters = parse_call_filters(workspace, campaign=request.args.get("campaign", ""), **dates)
    return period, filters


@bp.get("/")
@requires("view_data")
def dashboard():
    """Show the current workspace's calls at a glance, for chosen days and campaign."""
    workspace = current_workspace()
    form = DashboardFilterForm(formdata=request.args)
    form.set_campaigns(filter_choices(workspace)[0])
    try:
        period, filters = _dashboard_days(workspace)
        summary = dashboard_summary(
            workspace,
            first_day=filters.start_date,
            last_day=filters.end_date,
            campaign=filters.campaign,
        )
    except ValidationError as error:
        if not attach_error(form, error):
            flash(error.message, "error")
        return render_template(
            "web/dashboard.html",
            workspace=workspace,
            form=form,
            invalid=True,
            failing_webhooks=auto_disabled_endpoints(workspace),
        ), 400
    chart = daily_bar_chart(summary.days) if summary else None
    return render_template(
        "web/dashboard.html",
        workspace=workspace,
        form=form,
        summary=summary,
        chart=chart,
        period=period,
        can_import=policy.can(current_user, "manage_calls"),
        failing_webhooks=auto_disabled_endpoints(workspace),
    )


# Pages of one workspace's row: after a switch, the list of the same kind in the new one.
LIST_OF_DETAIL = {
    "calls.detail": "calls.index",
    "calls.rollback_confirm": "calls.import_form",
    "tracking.campaign": "tracking.campaigns",
    "tracking.number": "tracking.numbers",
    "settings.api_keys_revoke_confirm": "settings.api_keys",
}


def page_after_switch(referrer: str) -> str:
    """Return where to land after switching: the page switched from, or its list page."""
    if not referrer.startswith(request.host_url):
        return url_for("web.dashboard")
    path = urlsplit(referrer).path
    adapter = current_app.url_map.bind(request.host, script_name=request.script_root or None)
    try:
        endpoint, _ = adapter.match(path.removeprefix(request.script_root), method="GET")
    except HTTPException:
        return url_for("web.dashboard")
    if endpoint in LIST_OF_DETAIL:
        return url_for(LIST_OF_DETAIL[endpoint])
    # Filters name the old workspace's campaigns and numbers: start the page unfiltered.
    return path


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
    return redirect(page_after_switch(request.referrer or ""))
