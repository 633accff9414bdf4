"""Views of the calls log, a call's page, the CSV export and the CSV import."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ringtonic.calls import bp
from ringtonic.calls.forms import CallFilterForm, ImportForm, LeadForm, RollbackImportForm
from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.services.accounts import policy
from ringtonic.services.calls.crm import NOTE_MAX, TAG_MAX, TAGS_MAX, update_call_crm_fields
from ringtonic.services.calls.export import export_chunks
from ringtonic.services.calls.import_fields import COLUMNS
from ringtonic.services.calls.import_runs import get_import, list_imports, rollback_import
from ringtonic.services.calls.import_sample import sample_import_csv
from ringtonic.services.calls.imports import MAX_ROWS, ImportRejected, import_calls
from ringtonic.services.calls.pages import (
    SORT_LABELS,
    count_calls,
    list_calls,
    other_calls_from_caller,
    parse_page_size,
    parse_sort,
    period_dates,
)
from ringtonic.services.calls.queries import (
    PAGE_SIZE,
    filter_choices,
    get_call,
    iter_calls_for_export,
    parse_call_filters,
)
from ringtonic.services.errors import (
    Conflict,
    InvalidFields,
    NotFound,
    ServiceError,
    ValidationError,
)
from ringtonic.services.names import file_slug
from ringtonic.view_helpers import errors
from ringtonic.view_helpers.access import client_ip, current_workspace, requires
from ringtonic.view_helpers.forms import attach_error, undo_and_attach_error
from ringtonic.view_helpers.workspace_guard import check_export_workspace

FILTER_NAMES = (
    "start_date",
    "end_date",
    "campaign",
    "number",
    "status",
    "first_time",
    "source",
    "medium",
    "q",
)
HIDDEN_FIELDS = ("sort", "dir")
# The API's rules said in the form's words (the API's messages speak of strings and null).
LEAD_MESSAGES = {
    "lead_status": "Choose a lead status from the list.",
    "value": "Enter an amount in digits like 250 or 250.00: at most 2 decimals, below 10 billion.",
    "tags": f"Enter at most {TAGS_MAX} tags of 1 to {TAG_MAX} characters, separated by commas.",
    "note": f"Enter a note of at most {NOTE_MAX:,} characters, without control characters.",
}
# Flash messages travel in the session cookie: a header of thousands of unknown columns
# must not make it bigger than browsers keep (4 kB), so only the first few are named.
IGNORED_NAMED = 5
RECENT_IMPORTS = 10
IGNORED_NAME_CHARS = 40


def ignored_columns_note(names: list[str]) -> str:
    """Name the first few ignored columns (each cut short) and say how many more there are."""
    shown = [
        name if len(name) <= IGNORED_NAME_CHARS else name[: IGNORED_NAME_CHARS - 1] + "…"
        for name in names[:IGNORED_NAMED]
    ]
    more = len(names) - len(shown)
    return f"Ignored columns: {', '.join(shown)}" + (f" and {more:,} more." if more else ".")


def _filter_form(workspace) -> CallFilterForm:
    form = CallFilterForm(formdata=request.args)
    form.set_choices(*filter_choices(workspace))
    return form


def _filters_from_request(workspace):
    values = {name: request.args.get(name, "") for name in FILTER_NAMES}
    period = request.args.get("period", "").strip()
    today = utcnow().astimezone(ZoneInfo(workspace.time_zone)).date()
    first, last = period_dates(period, today)
    if first is not None:
        # A preset wins over dates typed before it was chosen.
        values.update(start_date=first.isoformat(), end_date=last.isoformat())
    return parse_call_filters(workspace, **values)


def list_link_args(filters, sort, per_page: int) -> dict[str, str]:
    """Return the query values that reproduce this view of the log (for pager and sort links)."""
    args = filters.to_query()
    period = request.args.get("period", "").strip()
    if period:
        args["period"] = period
        if period != "custom":
            args.pop("start_date", None)
            args.pop("end_date", None)
    if per_page != PAGE_SIZE:
        args["per_page"] = str(per_page)
    return {**args, **sort.to_query()}


def _index_page(workspace, form, filters=None, page=None, status=200, **extra):
    return render_template(
        "calls/index.html",
        workspace=workspace,
        form=form,
        filters=filters,
        page=page,
        sort_labels=SORT_LABELS,
        can_import=policy.can(current_user, "manage_calls"),
        **extra,
    ), status


@bp.get("")
@requires("view_data")
def index():
    """List the workspace's calls, searched, filtered, sorted and a page at a time."""
    workspace = current_workspace()
    form = _filter_form(workspace)
    try:
        filters = _filters_from_request(workspace)
        sort = parse_sort(request.args.get("sort", ""), request.args.get("dir", ""))
        per_page = parse_page_size(request.args.get("per_page", ""))
        page = list_calls(workspace, filters, request.args.get("cursor") or None, per_page, sort)
    except ValidationError as error:
        # The sort travels in hidden fields: its errors are said at the top of the page.
        if error.field in HIDDEN_FIELDS or not attach_error(form, error):
            flash(error.message, "error")
        return _index_page(workspace, form, status=400)
    return _index_page(
        workspace,
        form,
        filters,
        page,
        sort=sort,
        total=count_calls(workspace, filters),
        link_args=list_link_args(filters, sort, per_page),
    )


@bp.get("/export.csv")
@requires("view_data")
def export():
    """Download the filtered calls as CSV, streamed so any number of calls fits."""
    refused = check_export_workspace("calls.index")
    if refused is not None:
        return refused
    workspace = current_workspace()
    try:
        filters = _filters_from_request(workspace)
    except ValidationError as error:
        form = _filter_form(workspace)
        attach_error(form, error)
        return _index_page(workspace, form, status=400)
    zone = ZoneInfo(workspace.time_zone)
    chunks = export_chunks(iter_calls_for_export(workspace, filters), zone, for_spreadsheets=True)
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    filename = f"calls-{file_slug(workspace.name)}-{utcnow().astimezone(zone):%Y-%m-%d}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _import_page(form, rejection=None, status=200, too_large=False):
    return render_template(
        "calls/import.html",
        form=form,
        columns=COLUMNS,
        rejection=rejection,
        too_large=too_large,
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        max_rows=MAX_ROWS,
        workspace=current_workspace(),
        imports=list_imports(current_workspace(), RECENT_IMPORTS),
    ), status


@bp.route("/import", methods=["GET", "POST"])
@requires("manage_calls")
def import_form():
    """Import calls from an uploaded CSV file: all rows or none, one import at a time."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, status=400 if form.errors else 200)
    upload = form.file.data
    try:
        result = import_calls(
            current_workspace(),
            upload.stream,
            actor=current_user,
            ip=client_ip(),
            filename=upload.filename or "",
        )
    except ImportRejected as rejection:
        db.session.rollback()
        return _import_page(form, rejection, 400)
    except ServiceError as error:
        undo_and_attach_error(form, error, "file")
        return _import_page(form, status=409 if isinstance(error, Conflict) else 400)
    flash(
        f"Imported {result.imported:,} calls; skipped {result.skipped:,} already imported.",
        "success",
    )
    if result.ignored_columns:
        flash(ignored_columns_note(result.ignored_columns), "info")
    return redirect(url_for("calls.index"))


@bp.get("/import/sample.csv")
@requires("manage_calls")
def import_sample():
    """Download a sample calls file that the import accepts."""
    response = Response(sample_import_csv(current_workspace()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="ringtonic-calls-sample.csv"'
    return response


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """Explain an oversized upload on the import page itself."""
    signed_in = current_user and current_user.is_authenticated
    if request.endpoint != "calls.import_form" or not (
        signed_in and policy.can(current_user, "manage_calls")
    ):
        return errors.handle_http_exception(error)
    # The body was refused unread: build the form without touching request data.
    return _import_page(ImportForm(formdata=None), status=413, too_large=True)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@bp.get("/imports/<import_uuid>/rollback")
@requires("manage_calls")
def rollback_confirm(import_uuid: str):
    """Ask for confirmation before removing an import's calls (works without JavaScript)."""
    workspace = current_workspace()
    try:
        record = get_import(workspace, import_uuid)
    except NotFound:
        abort(404)
    return render_template(
        "calls/import_rollback.html", record=record, workspace=workspace, form=RollbackImportForm()
    )


@bp.post("/imports/<import_uuid>/rollback")
@requires("manage_calls")
def rollback(import_uuid: str):
    """Remove the calls an import added, a batch per transaction (CSRF checked app-wide)."""
    workspace = current_workspace()
    try:
        record = get_import(workspace, import_uuid)
        name = _short(record.filename or "a file")
        removed = rollback_import(workspace, record, actor=current_user, ip=client_ip())
    except NotFound:
        db.session.rollback()
        abort(404)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("calls.import_form"))
    flash(f"Rolled back the import of “{name}”: removed {removed:,} calls.", "success")
    return redirect(url_for("calls.import_form"))


def _detail_page(workspace, call, lead_form, status=200):
    others, other_total = other_calls_from_caller(workspace, call)
    return render_template(
        "calls/detail.html",
        call=call,
        workspace=workspace,
        lead_form=lead_form if policy.can(current_user, "manage_calls") else None,
        other_calls=others,
        other_total=other_total,
    ), status


@bp.get("/<call_uuid>")
@requires("view_data")
def detail(call_uuid: str):
    """Show every detail of one call, the caller's other calls, and (to managers) the lead form."""
    workspace = current_workspace()
    try:
        call = get_call(workspace, call_uuid)
    except NotFound:
        abort(404)
    form = LeadForm(formdata=None)
    form.fill_from(call)
    return _detail_page(workspace, call, form)


@bp.post("/<call_uuid>/lead")
@requires("manage_calls")
def update_lead(call_uuid: str):
    """Save a call's lead status, value, tags and note (the API's rules, audited)."""
    workspace = current_workspace()
    form = LeadForm()
    try:
        call = get_call(workspace, call_uuid)
    except NotFound:
        abort(404)
    if not form.validate_on_submit():
        return _detail_page(workspace, call, form, 400)
    try:
        update_call_crm_fields(
            workspace, call.uuid, form.changes(), actor=current_user, ip=client_ip(), via="web"
        )
    except InvalidFields as error:
        db.session.rollback()
        for name, message in error.errors:
            field = getattr(form, name)
            field.errors = [*field.errors, LEAD_MESSAGES.get(name, message)]
        return _detail_page(workspace, get_call(workspace, call_uuid), form, 400)
    db.session.commit()
    flash("Lead details saved.", "success")
    return redirect(url_for("calls.detail", call_uuid=call.uuid), 303)
