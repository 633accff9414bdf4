"""Calls: the filtered list (JSON pages or one streamed CSV), one call, CRM write-back."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, g, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue

from ringtonic.api import bp
from ringtonic.api.auth import requires_ability
from ringtonic.api.bodies import JSON as JSON_BODY
from ringtonic.api.bodies import MERGE_PATCH, json_object_body
from ringtonic.api.conditional import (
    answers_conditionally,
    call_version,
    conditional_answer,
    not_modified,
    weak_etag,
)
from ringtonic.api.errors import ApiProblem
from ringtonic.api.negotiation import CSV, JSON, chosen_format, produces
from ringtonic.api.pagination import decode_cursor, page_response
from ringtonic.api.params import QueryParams
from ringtonic.api.pending_keys import confirm_key
from ringtonic.api.serializers import call_document
from ringtonic.extensions import db
from ringtonic.services.calls.crm import CRM_CLEARED, update_call_crm_fields
from ringtonic.services.calls.export import export_chunks
from ringtonic.services.calls.queries import (
    CallFilters,
    build_call_filters,
    get_call,
    iter_calls_for_export,
    list_calls_after,
)
from ringtonic.services.calls.stats import CALL_LIST_STATUS_FILTERS
from ringtonic.services.calls.versions import (
    call_version_by_uuid,
    calls_page_version,
    loaded_page_version,
)
from ringtonic.services.errors import InvalidFields, ValidationError
from ringtonic.services.handling.spam import check_spam_flag, set_call_spam
from ringtonic.services.reporting.data_versions import data_version
from ringtonic.view_helpers.access import client_ip

FILTER_NAMES = (
    "campaign",
    "tracking_number",
    "status",
    "start_date",
    "end_date",
    "time_zone",
    "first_time",
    "min_duration",
    "state",
    "source",
    "medium",
)
MAX_MIN_DURATION = 86_400


def _filters(params: QueryParams) -> CallFilters:
    return build_call_filters(
        g.workspace,
        campaign=params.uuid("campaign"),
        tracking_number=params.uuid("tracking_number"),
        status=params.choice("status", CALL_LIST_STATUS_FILTERS),
        start_date=params.text("start_date", max_length=40),
        end_date=params.text("end_date", max_length=40),
        time_zone=params.text("time_zone", max_length=64),
        first_time=params.boolean("first_time"),
        min_duration=params.integer("min_duration", 0, MAX_MIN_DURATION),
        state=params.text("state", max_length=50),
        source=params.text("source", max_length=100),
        medium=params.text("medium", max_length=100),
    )


def _csv_download(filters: CallFilters) -> Response:
    # Rows are read in batches as the body is sent: memory stays flat however many match.
    rows = iter_calls_for_export(g.workspace, filters)
    chunks = export_chunks(rows, ZoneInfo("UTC"), for_spreadsheets=False)
    response = Response(stream_with_context(chunks), mimetype=CSV)
    response.headers["Content-Disposition"] = 'attachment; filename="calls.csv"'
    return response


@bp.get("/calls")
@answers_conditionally
@produces(JSON, CSV)
def calls_list() -> ResponseReturnValue:
    """List the workspace's calls, newest first: a page of JSON, or every match as CSV."""
    params = QueryParams(("limit", "cursor", *FILTER_NAMES))
    limit = params.limit()  # checked for CSV too, though a CSV is never cut short
    cursor = params.text("cursor")
    filters = _filters(params)
    if chosen_format() == CSV:
        if cursor is not None:
            raise ApiProblem(
                "validation_error",
                "A CSV answer holds every matching call; send it without cursor.",
                field="cursor",
            )
        response = _csv_download(filters)
    else:
        response = _calls_page(filters, decode_cursor(cursor), limit)
    response.vary.add("Accept")
    return response


def _calls_page(filters: CallFilters, after: uuid.UUID | None, limit: int) -> Response:
    """Answer a page of calls, or 304 from the page's narrow version when it is unchanged."""
    if "If-None-Match" in request.headers:
        # A poller's revalidation: the narrow version alone decides, usually a 304.
        version, generation = calls_page_version(g.workspace, filters, after, limit)
        # The same read confirms a key taken from memory (api.pending_keys).
        confirm_key(generation)
        tag = weak_etag(JSON, g.workspace.id, version)
        if request.if_none_match.contains_weak(tag):
            return not_modified(tag)
    # Read before the page: a tag never describes a newer state than the body it comes with.
    names_version, _changed_at = data_version(g.workspace.id)
    page = list_calls_after(g.workspace, filters, after, limit)
    return conditional_answer(
        weak_etag(JSON, g.workspace.id, loaded_page_version(page, names_version)),
        lambda: page_response(page, call_document),
    )


@bp.get("/calls/<call_uuid>")
@answers_conditionally
def call_detail(call_uuid: str) -> ResponseReturnValue:
    """Return every field of one call."""
    QueryParams(())
    if "If-None-Match" in request.headers:
        # A poller's revalidation: the version alone decides, usually a 304.
        version, generation = call_version_by_uuid(g.workspace.id, g.account.id, call_uuid)
        confirm_key(generation)
        tag = weak_etag(version)
        if request.if_none_match.contains_weak(tag):
            return not_modified(tag)
    call = get_call(g.workspace, call_uuid)
    return conditional_answer(weak_etag(call_version(call)), lambda: jsonify(call_document(call)))


def _merge_patch_changes(patch: dict[str, Any]) -> dict[str, Any]:
    """Read an RFC 7396 merge patch: null removes a field, which leaves it empty."""
    cleared = {**CRM_CLEARED, "spam": False}
    return {
        name: cleared[name] if value is None and name in cleared else value
        for name, value in patch.items()
    }


def _spam_change(changes: dict[str, Any]) -> bool | None:
    """Take `spam` out of the changes, checked (None when not sent)."""
    if "spam" not in changes:
        return None
    try:
        return check_spam_flag(changes.pop("spam"))
    except ValidationError as error:
        raise InvalidFields([("spam", error.message)]) from None


@bp.patch("/calls/<call_uuid>")
@requires_ability("write")
def call_update(call_uuid: str) -> ResponseReturnValue:
    """Write CRM fields (note, tags, lead_status, value) and the spam mark back to a call."""
    QueryParams(())
    changes = json_object_body((JSON_BODY, MERGE_PATCH))
    if request.mimetype == MERGE_PATCH:
        if not changes:
            # An empty merge patch changes nothing (RFC 7396); the call must still exist.
            return jsonify(call_document(get_call(g.workspace, call_uuid)))
        changes = _merge_patch_changes(changes)
    spam = _spam_change(changes)
    if changes or spam is None:
        call = update_call_crm_fields(
            g.workspace,
            call_uuid,
            changes,
            ip=client_ip(),
            via=f"API key “{g.api_key.name}” {g.api_key.hint}",
        )
    else:
        call = get_call(g.workspace, call_uuid)
    if spam is not None:
        call = set_call_spam(g.workspace, call, spam, None, client_ip())
    db.session.commit()
    return jsonify(call_document(call))
