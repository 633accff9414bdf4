"""Views of the Money Map: the page and its CSV download."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request

from ringtonic.models.types import utcnow
from ringtonic.money_map import bp
from ringtonic.money_map.forms import CIRCLE_LABELS, SHOW_LABELS, MapFilterForm, status_label
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.money_map.summary import (
    TABLE_ROW_LIMIT,
    MapQuery,
    money_map,
    money_map_csv,
)
from ringtonic.services.money_map.tables import TABLE_LABELS, default_direction
from ringtonic.services.reporting.periods import Period
from ringtonic.services.telephony.campaigns import list_campaign_choices
from ringtonic.view_helpers.access import current_workspace, requires
from ringtonic.view_helpers.forms import attach_error
from ringtonic.view_helpers.workspace_guard import check_export_workspace

FILTER_PARAMS = ("campaign", "start_date", "end_date", "status", "show", "circles", "area")


def query_from_args() -> MapQuery:
    """Read the filters from the query string; absent ones take their defaults."""
    args = request.args
    defaults = MapQuery()
    return MapQuery(
        start_date=args.get("start_date", "").strip(),
        end_date=args.get("end_date", "").strip(),
        status=args.get("status", "").strip(),
        campaign=args.get("campaign", "").strip(),
        show=args.get("show") or defaults.show,
        circles=args.get("circles") or defaults.circles,
        table=args.get("table") or defaults.table,
        sort=args.get("sort", ""),
        direction=args.get("dir", ""),
        area=args.get("area", "").strip(),
    )


def link_args(query: MapQuery) -> dict[str, str]:
    """Return the filters to carry in the page's links (sorting, tabs, CSV), minus defaults."""
    defaults = MapQuery()
    return {
        name: getattr(query, name)
        for name in FILTER_PARAMS
        if getattr(query, name) and getattr(query, name) != getattr(defaults, name)
    }


def mode_args(query: MapQuery, show: str) -> dict[str, str]:
    """Return the link to a mode: period, campaign and area kept; call-only choices dropped."""
    # Zip circles, a status and the sort columns exist for calls only; states and cities stay.
    dropped = ("status", "circles", "show")
    kept = {name: value for name, value in link_args(query).items() if name not in dropped}
    if show != MapQuery().show:
        kept["show"] = show
    if query.table != "zip":
        kept["table"] = query.table
    return kept


def describe_period(period: Period) -> str:
    """Return the period's local dates for people: "Oct 29 – Nov 27, 2026"."""
    dates = period.as_dict()
    start, end = (date.fromisoformat(dates[key]) for key in ("start_date", "end_date"))
    last = f"{end:%b} {end.day}, {end.year}"
    if start == end:
        return last
    first = f"{start:%b} {start.day}" + ("" if start.year == end.year else f", {start.year}")
    return f"{first} – {last}"


def format_duration(seconds: float) -> str:
    """Return an average duration as "1m 52s" (or "45s")."""
    whole = round(seconds)
    return f"{whole // 60}m {whole % 60:02d}s" if whole >= 60 else f"{whole}s"


@bp.get("/map")
@requires("view_data")
def index():
    """Show where the callers are, for the workspace or one campaign (?campaign=<uuid>)."""
    workspace = current_workspace()
    form = MapFilterForm(request.args)
    form.set_campaigns(list_campaign_choices(workspace))
    query = query_from_args()
    if query.visitors and not query.status:
        # Shown but switched off, with the reason beside it: visits have no call status.
        form.status.render_kw = {"disabled": True}
        form.status.description = "Visits have no call status: it applies to callers."
    result, status = None, 200
    try:
        result = money_map(workspace, query, utcnow())
    except NotFound:
        abort(404)
    except ValidationError as error:
        attach_error(form, error, "start_date")
        status = 400
    if result is not None:
        dates = result.period.as_dict()
        form.start_date.data = form.start_date.data or dates["start_date"]
        form.end_date.data = form.end_date.data or dates["end_date"]
    return render_template(
        "money_map/index.html",
        workspace=workspace,
        form=form,
        query=query,
        result=result,
        link_args=link_args(query),
        mode_args=mode_args,
        table_labels=TABLE_LABELS,
        circle_labels=CIRCLE_LABELS,
        show_labels=SHOW_LABELS,
        row_limit=TABLE_ROW_LIMIT,
        default_direction=default_direction,
        describe_period=describe_period,
        format_duration=format_duration,
        status_label=status_label,
    ), status


@bp.get("/map/export.csv")
@requires("export_data")
def export():
    """Download one of the page's tables (all rows) as CSV, with the page's filters."""
    refused = check_export_workspace("money_map.index")
    if refused is not None:
        return refused
    try:
        filename, text = money_map_csv(current_workspace(), query_from_args(), utcnow())
    except NotFound:
        abort(404)
    except ValidationError as error:
        page = render_template(
            "errors/error.html", status=400, title="Bad request", message=error.message
        )
        return page, 400
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
