"""The OpenAPI 3.1 document for /api/v1: the contract integrations are written against."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from ringtonic.api.errors import PROBLEMS
from ringtonic.api.openapi_examples import (
    CALL_MERGE_PATCH_EXAMPLE,
    CALL_UPDATE_EXAMPLE,
    CALLS_CSV_EXAMPLE,
    EXAMPLES,
)
from ringtonic.api.openapi_parameters import (
    CALL_FILTERS,
    CAMPAIGN_FILTER,
    PAGE_PARAMS,
    PERIOD_PARAMS,
    STATUS_PARAM,
    path_uuid,
    query_param,
)
from ringtonic.api.openapi_responses import (
    HEADERS,
    example_problem,
    ok,
    operation,
    operation_codes,
    problem_responses,
)
from ringtonic.api.openapi_schemas import SCHEMAS, ref
from ringtonic.api.openapi_shared import RESPONSES, with_server_answers
from ringtonic.api.openapi_webhooks import WEBHOOK_SCHEMAS, webhook_operations
from ringtonic.api.versioning import API_VERSION, mark_deprecations
from ringtonic.services.calls.export import HEADER
from ringtonic.services.reporting.reports import GROUPINGS, INTERVALS

CSV_FORMAT = (
    "The CSV is for programs: UTF-8 without a byte order mark, RFC 4180 (comma separated, "
    "CRLF line ends, quotes only where needed), a header row, times in UTC. Columns: "
    + ", ".join(f"`{name}`" for name in HEADER)
    + ". A cell that a spreadsheet could run as a formula (starting with `=`, `+`, `-`, `@`, "
    "tab or carriage return) is written with a leading apostrophe, unless the whole cell is a "
    "number: `+15125550147` and `-4.5` are written as they are. The file imports into "
    "Calls → Import unchanged; a call already in the workspace is skipped."
)

TAGS = [
    ("Account", "Who a key acts as."),
    ("Campaigns", "Groups of tracking numbers, and where their callers are."),
    ("Calls", "Every call, with the CRM fields your tools write back."),
    ("Phone numbers", "The workspace's tracking numbers."),
    ("Reports", "Counters grouped by a dimension or over time."),
    ("Contract", "This document."),
]


def recording_operation(described: dict[str, Any]) -> dict[str, Any]:
    """Turn a JSON operation into one that answers audio: 200 whole, 206 a range, 416."""
    audio = {"audio/wav": {"schema": {"type": "string", "contentMediaType": "audio/wav"}}}
    ranged = {
        "Accept-Ranges": {"schema": {"type": "string", "const": "bytes"}},
        "Content-Range": {"schema": {"type": "string"}, "description": "bytes START-END/SIZE"},
    }
    responses = described["responses"]
    headers = {**responses["200"]["headers"], **ranged}
    responses["200"] = {"description": "The whole recording.", "headers": headers, "content": audio}
    responses["206"] = {"description": "The range asked for.", "headers": headers, "content": audio}
    responses["416"] = {
        "description": "The range asked for lies outside the recording (nothing is sent).",
        "headers": {"Content-Range": {"schema": {"type": "string"}, "description": "bytes */SIZE"}},
    }
    described["parameters"] = [
        *described["parameters"],
        {
            "name": "Range",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "example": "bytes=0-65535"},
            "description": "One byte range, as audio players send to seek.",
        },
    ]
    return described


def _paths() -> dict[str, Any]:
    campaign_id = path_uuid("campaign_uuid", "campaign", EXAMPLES["Campaign"]["uuid"])
    call_id = path_uuid("call_uuid", "call", EXAMPLES["Call"]["uuid"])
    number_id = path_uuid("phone_number_uuid", "tracking number", EXAMPLES["PhoneNumber"]["uuid"])
    report_filters = [*PERIOD_PARAMS, CAMPAIGN_FILTER, STATUS_PARAM]
    calls_page = ok("CallList", "A page of calls; with `Accept: text/csv`, all of them as CSV.")
    calls_page["content"]["text/csv"] = {
        "schema": {"type": "string", "description": CSV_FORMAT},
        "examples": {"default": {"value": CALLS_CSV_EXAMPLE}},
    }
    return {
        "/me": {
            "get": operation(
                "getMe",
                "Account",
                "The key, its workspace and account",
                "Check a key works and see which workspace it reads.",
                [],
                ok("Me", "The key's context."),
            )
        },
        "/campaigns": {
            "get": operation(
                "listCampaigns",
                "Campaigns",
                "List campaigns",
                "Newest first.",
                [
                    *PAGE_PARAMS,
                    query_param(
                        "status",
                        {"type": "string", "enum": ["active", "archived"]},
                        "Only active or only archived campaigns.",
                    ),
                ],
                ok("CampaignList", "A page of campaigns."),
                conditional=True,
            )
        },
        "/campaigns/{campaign_uuid}": {
            "get": operation(
                "getCampaign",
                "Campaigns",
                "Get a campaign",
                "One campaign by its Campaign ID.",
                [campaign_id],
                ok("Campaign", "The campaign."),
                conditional=True,
            )
        },
        "/campaigns/{campaign_uuid}/geo-data": {
            "get": operation(
                "getCampaignGeoData",
                "Campaigns",
                "Where a campaign's callers are",
                "Totals and the campaign's callers grouped by state, city and zip code, most "
                "calls first. Each place has its coordinates (US places, from an offline zip "
                "code dataset; null when unknown) and its counters. Calls with no location "
                "count in the totals only.",
                [campaign_id, *PERIOD_PARAMS, STATUS_PARAM],
                ok("GeoData", "Geo-data for the period."),
                conditional=True,
            )
        },
        "/calls": {
            "get": operation(
                "listCalls",
                "Calls",
                "List calls",
                "Newest first. With `Accept: text/csv` the filtered calls stream as CSV "
                "(no page limit). " + CSV_FORMAT,
                [*PAGE_PARAMS, *CALL_FILTERS],
                calls_page,
                conditional=True,
            )
        },
        "/calls/{call_uuid}": {
            "get": operation(
                "getCall",
                "Calls",
                "Get a call",
                "Every field of one call.",
                [call_id],
                ok("Call", "The call."),
                conditional=True,
            ),
            "patch": operation(
                "updateCall",
                "Calls",
                "Write CRM fields and the spam mark back to a call",
                "Set note, tags, lead_status, value and spam (`true` blocks the caller in "
                "this workspace and moves all their calls out of reports; `false` undoes it). "
                "Needs a Read and write key. Send "
                "`application/json` (the fields given are set, `null` clears lead_status or "
                "value) or an RFC 7396 merge patch as `application/merge-patch+json` (`null` "
                "removes any field: an empty note, no tags).",
                [call_id],
                ok("Call", "The updated call."),
                write=True,
                body={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": ref("CallUpdate"),
                            "examples": {"default": {"value": CALL_UPDATE_EXAMPLE}},
                        },
                        "application/merge-patch+json": {
                            "schema": ref("CallMergePatch"),
                            "examples": {"default": {"value": CALL_MERGE_PATCH_EXAMPLE}},
                        },
                    },
                },
            ),
        },
        "/calls/{call_uuid}/recording": {
            "get": recording_operation(
                operation(
                    "getCallRecording",
                    "Calls",
                    "Get a call's recording",
                    "The call's recording (or voicemail) as WAV, once it has been copied from "
                    "Twilio. Send `Range: bytes=START-END` for part of it (206 Partial Content), "
                    "as audio players do to seek. 404 `not_found` when the call has no stored "
                    "recording (none made, still being copied, or deleted by the workspace's "
                    "retention).",
                    [call_id],
                    ok("Call", "placeholder"),
                )
            )
        },
        "/phone-numbers": {
            "get": operation(
                "listPhoneNumbers",
                "Phone numbers",
                "List tracking numbers",
                "Newest first.",
                PAGE_PARAMS,
                ok("PhoneNumberList", "A page of tracking numbers."),
                conditional=True,
            )
        },
        "/phone-numbers/{phone_number_uuid}": {
            "get": operation(
                "getPhoneNumber",
                "Phone numbers",
                "Get a tracking number",
                "One tracking number.",
                [number_id],
                ok("PhoneNumber", "The number."),
                conditional=True,
            )
        },
        "/reports/summary": {
            "get": operation(
                "getSummaryReport",
                "Reports",
                "Counters grouped by a dimension",
                "Calls, answered, missed, first-time callers and average duration per source, "
                "medium, campaign, tracking number, state or city, most calls first.",
                [
                    query_param(
                        "group_by",
                        {"type": "string", "enum": list(GROUPINGS)},
                        "What to group by.",
                        required=True,
                        example="source",
                    ),
                    *report_filters,
                ],
                ok("SummaryReport", "The groups, most calls first."),
                conditional=True,
            )
        },
        "/reports/timeseries": {
            "get": operation(
                "getTimeseriesReport",
                "Reports",
                "Counters over time",
                "One bucket per local hour, day, week (from Monday) or month of `time_zone`, "
                "empty buckets included, oldest first. Days that change clocks last 23 or 25 "
                "hours; the first and last buckets are cut to the period. At most 2000 buckets.",
                [
                    query_param(
                        "interval",
                        {"type": "string", "enum": list(INTERVALS), "default": "day"},
                        "Bucket size.",
                        example="day",
                    ),
                    *report_filters,
                ],
                ok("TimeseriesReport", "The buckets, oldest first."),
                conditional=True,
            )
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "tags": ["Contract"],
                "summary": "This OpenAPI document",
                "description": "The contract of the API, readable without a key.",
                "security": [],
                "parameters": [],
                "responses": with_server_answers(
                    {
                        "200": {
                            "description": "The OpenAPI 3.1 document (abridged example).",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object"},
                                    "examples": {
                                        "default": {
                                            "value": {
                                                "openapi": "3.1.0",
                                                "info": {
                                                    "title": "Ring Tonic API",
                                                    "version": API_VERSION,
                                                },
                                                "paths": {"/me": {"get": {"operationId": "getMe"}}},
                                            }
                                        }
                                    },
                                }
                            },
                        },
                        **problem_responses(operation_codes(public=True)),
                    }
                ),
            }
        },
    }


def build_openapi(server_url: str = "/api/v1") -> dict[str, Any]:
    """Return the OpenAPI 3.1 document (a fresh copy each call)."""
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Ring Tonic API",
            "version": API_VERSION,
            "description": (
                "Read a workspace's campaigns, tracking numbers and calls, where callers are, "
                "and reports; write CRM fields back to calls. Authenticate every request with "
                "`Authorization: Bearer <key>`; create keys in Settings → API Keys. The human "
                "reference is at /docs/api; how v1 may change is at /docs/api#versioning."
            ),
        },
        "servers": [{"url": server_url, "description": "This Ring Tonic server."}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": _paths(),
        "webhooks": webhook_operations(),
        "components": {
            "schemas": {**SCHEMAS, **WEBHOOK_SCHEMAS},
            "responses": RESPONSES,
            "headers": HEADERS,
            "examples": {
                code: {"summary": kind.title, "value": example_problem(code)}
                for code, kind in PROBLEMS.items()
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "ringtonic_ followed by 49 letters and digits",
                    "description": "An API key from Settings → API Keys.",
                }
            },
        },
    }
    return mark_deprecations(deepcopy(document))
