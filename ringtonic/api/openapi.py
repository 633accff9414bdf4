"""The OpenAPI 3.1 document for /api/v1: the contract integrations are written against."""

from __future__ import annotations

from copy import deepcopy

from ringtonic.models import CALL_STATUSES, CAMPAIGN_TYPES, LEAD_STATUSES
from ringtonic.services.reports import GROUPINGS, INTERVALS

API_VERSION = "1.0.0"

ERROR_CODES: dict[str, tuple[int, str, str]] = {
    "missing_api_key": (401, "No API key was sent.", "Send `Authorization: Bearer <key>`."),
    "invalid_api_key": (
        401,
        "The key is malformed, mistyped or unknown, or another auth scheme was used.",
        "Copy the whole key again from Settings → API Keys, or create a new one.",
    ),
    "revoked_api_key": (
        401,
        "The key was revoked in Settings → API Keys.",
        "Create a new key and update your integration; revoked keys never work again.",
    ),
    "plan_required": (
        403,
        "The account is on the Indie plan; the API comes with Agency.",
        "Ask an account admin to switch to the Agency plan; existing keys then work again.",
    ),
    "insufficient_ability": (
        403,
        "The key is read-only and the request changes data.",
        "Create a key with Read and write access.",
    ),
    "api_key_in_query": (
        400,
        "A key was sent in the URL, where it would end up in logs and browser history.",
        "Send it in the Authorization header instead, and revoke the exposed key.",
    ),
    "not_found": (
        404,
        "Nothing with that id exists in this key's workspace.",
        "Check the id; ids of other workspaces are never visible.",
    ),
    "validation_error": (
        400,
        "A query parameter or body field is unknown or has a bad value; `errors` names it.",
        "Fix the named field.",
    ),
    "method_not_allowed": (405, "The path does not support that method.", "See `Allow`."),
    "not_acceptable": (
        406,
        "The Accept header asks for a format this endpoint cannot produce.",
        "Accept application/json (or text/csv on GET /calls).",
    ),
    "unsupported_media_type": (
        415,
        "The body is not JSON.",
        "Send Content-Type: application/json.",
    ),
    "payload_too_large": (413, "The body is larger than the server accepts.", "Send less."),
    "rate_limited": (
        429,
        "The key made too many requests in the current window.",
        "Wait `Retry-After` seconds; spread polling out.",
    ),
    "service_unavailable": (503, "The database is unreachable.", "Retry with backoff."),
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


DATE_TIME = {"type": "string", "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}

COUNTERS = {
    "calls": {"type": "integer", "minimum": 0},
    "answered": {"type": "integer", "minimum": 0},
    "missed": {
        "type": "integer",
        "minimum": 0,
        "description": "Calls nobody answered: missed, busy, failed or voicemail.",
    },
    "first_time_callers": {"type": "integer", "minimum": 0},
    "average_duration": {"type": "number", "minimum": 0, "description": "Seconds, all calls."},
}


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


def _counted(properties: dict) -> dict:
    return _object({**properties, **COUNTERS})


PLACE_POINT = {
    "latitude": _nullable({"type": "number"}),
    "longitude": _nullable({"type": "number"}),
}
TEXT = {"type": "string"}
NULLABLE_TEXT = _nullable({"type": "string"})

SCHEMAS: dict[str, dict] = {
    "Problem": {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string", "enum": sorted([*ERROR_CODES, "bad_request", "error"])},
            "errors": {
                "type": "array",
                "items": _object({"field": TEXT, "message": TEXT}),
            },
        },
        "required": ["type", "title", "status", "detail", "code"],
    },
    "Reference": _object({"uuid": UUID, "name": TEXT}),
    "NumberReference": _object({"uuid": UUID, "number": TEXT, "friendly_name": TEXT}),
    "Me": _object(
        {
            "workspace": _object({"uuid": UUID, "name": TEXT, "time_zone": TEXT}),
            "account": _object({"name": TEXT, "plan": {"type": "string", "enum": ["agency"]}}),
            "api_key": _object(
                {
                    "name": TEXT,
                    "hint": TEXT,
                    "access": {"type": "string", "enum": ["read", "read_write"]},
                    "created_at": DATE_TIME,
                }
            ),
        }
    ),
    "Campaign": _object(
        {
            "uuid": UUID,
            "name": TEXT,
            "type": {"type": "string", "enum": list(CAMPAIGN_TYPES)},
            "status": {"type": "string", "enum": ["active", "archived"]},
            "created_at": DATE_TIME,
            "archived_at": _nullable(DATE_TIME),
        }
    ),
    "PhoneNumber": _object(
        {
            "uuid": UUID,
            "number": {"type": "string", "description": "E.164"},
            "friendly_name": TEXT,
            "forwarding_number": {"type": "string", "description": "E.164"},
            "campaign": _nullable(_ref("Reference")),
            "source": TEXT,
            "medium": TEXT,
            "created_at": DATE_TIME,
        }
    ),
    "Call": _object(
        {
            "uuid": UUID,
            "started_at": DATE_TIME,
            "duration_seconds": {"type": "integer", "minimum": 0},
            "status": {"type": "string", "enum": list(CALL_STATUSES)},
            "first_call": {"type": "boolean"},
            "caller_number": _nullable({"type": "string", "description": "E.164"}),
            "caller_city": NULLABLE_TEXT,
            "caller_state": NULLABLE_TEXT,
            "caller_zip": NULLABLE_TEXT,
            "caller_country": NULLABLE_TEXT,
            "source": NULLABLE_TEXT,
            "medium": NULLABLE_TEXT,
            "tracking_number": {"type": "string", "description": "E.164 number dialled"},
            "phone_number": _nullable(_ref("NumberReference")),
            "campaign": _nullable(_ref("Reference")),
            "provider_call_id": NULLABLE_TEXT,
            "external_id": NULLABLE_TEXT,
            "note": TEXT,
            "tags": {"type": "array", "items": TEXT},
            "lead_status": _nullable({"type": "string", "enum": list(LEAD_STATUSES)}),
            "value": _nullable({"type": "string", "pattern": r"^-?\d+\.\d{2}$"}),
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
        }
    ),
    "CallUpdate": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {
            "note": {"type": "string", "maxLength": 10000},
            "tags": {
                "type": "array",
                "maxItems": 50,
                "items": {"type": "string", "minLength": 1, "maxLength": 50},
            },
            "lead_status": _nullable({"type": "string", "enum": list(LEAD_STATUSES)}),
            "value": _nullable(
                {
                    "type": "string",
                    "pattern": r"^\d{1,10}(\.\d{1,2})?$",
                    "description": 'A money amount as a decimal string, e.g. "250.00".',
                }
            ),
        },
    },
    "Period": _object(
        {
            "start": DATE_TIME,
            "end": DATE_TIME,
            "start_date": {"type": "string", "format": "date"},
            "end_date": {"type": "string", "format": "date"},
            "time_zone": TEXT,
        }
    ),
    "Totals": _object(dict(COUNTERS)),
    "GeoTotals": _object(
        {
            **COUNTERS,
            "calls_without_location": {"type": "integer", "minimum": 0},
            "calls_outside_us": {"type": "integer", "minimum": 0},
        }
    ),
    "GeoData": _object(
        {
            "campaign": _ref("Reference"),
            "period": _ref("Period"),
            "totals": _ref("GeoTotals"),
            "by_state": {
                "type": "array",
                "items": _counted({"country": TEXT, "state": TEXT, **PLACE_POINT}),
            },
            "by_city": {
                "type": "array",
                "items": _counted({"country": TEXT, "state": TEXT, "city": TEXT, **PLACE_POINT}),
            },
            "by_zip": {
                "type": "array",
                "items": _counted(
                    {"country": TEXT, "zip": TEXT, "city": TEXT, "state": TEXT, **PLACE_POINT}
                ),
            },
        }
    ),
    "SummaryReport": _object(
        {
            "period": _ref("Period"),
            "group_by": {"type": "string", "enum": list(GROUPINGS)},
            "totals": _ref("Totals"),
            "groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "description": "The group's key fields (named after group_by) and counters.",
                    "properties": dict(COUNTERS),
                    "required": list(COUNTERS),
                },
            },
        }
    ),
    "TimeseriesReport": _object(
        {
            "period": _ref("Period"),
            "interval": {"type": "string", "enum": list(INTERVALS)},
            "totals": _ref("Totals"),
            "series": {
                "type": "array",
                "items": _counted(
                    {
                        "start": DATE_TIME,
                        "end": DATE_TIME,
                        "local_start": {"type": "string", "format": "date-time"},
                    }
                ),
            },
        }
    ),
}


def _list_of(name: str) -> dict:
    return _object({"data": {"type": "array", "items": _ref(name)}, "next_cursor": NULLABLE_TEXT})


SCHEMAS["CampaignList"] = _list_of("Campaign")
SCHEMAS["PhoneNumberList"] = _list_of("PhoneNumber")
SCHEMAS["CallList"] = _list_of("Call")


def _param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


PAGE_PARAMS = [
    _param(
        "limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Items per page."
    ),
    _param(
        "cursor",
        {"type": "string", "minLength": 1, "maxLength": 200},
        "The `next_cursor` of the previous page.",
    ),
]
PERIOD_PARAMS = [
    _param(
        "start_date",
        {"type": "string"},
        "First local day (YYYY-MM-DD) or an exact ISO 8601 instant. Default: 29 days "
        "before end_date.",
    ),
    _param(
        "end_date",
        {"type": "string"},
        "Last local day (inclusive) or an exact instant (exclusive). Default: today.",
    ),
    _param(
        "time_zone",
        {"type": "string"},
        "IANA zone the dates and buckets are read in. Default: the workspace's.",
    ),
]
STATUS_PARAM = _param(
    "status", {"type": "string", "enum": list(CALL_STATUSES)}, "Only calls with this status."
)
CAMPAIGN_FILTER = _param(
    "campaign", {"type": "string", "format": "uuid"}, "Only calls of this campaign."
)
CALL_FILTERS = [
    CAMPAIGN_FILTER,
    _param(
        "tracking_number",
        {"type": "string", "format": "uuid"},
        "Only calls to this tracking number (its uuid).",
    ),
    STATUS_PARAM,
    *PERIOD_PARAMS,
    _param("first_time", {"type": "boolean"}, "true: first-time callers only; false: repeat."),
    _param(
        "min_duration",
        {"type": "integer", "minimum": 0, "maximum": 86400},
        "Only calls at least this many seconds long.",
    ),
    _param(
        "state",
        {"type": "string", "minLength": 1, "maxLength": 50},
        "Only callers from this state (e.g. TX).",
    ),
]


def _path_uuid(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


RATE_HEADERS = {
    name: {"schema": {"type": "string"}, "description": description}
    for name, description in [
        ("RateLimit-Policy", "The key's limit, e.g. `1000;w=3600`."),
        ("RateLimit", "Remaining requests and seconds to reset."),
        ("X-RateLimit-Limit", "Requests allowed in the current window."),
        ("X-RateLimit-Remaining", "Requests left in the current window."),
        ("X-RateLimit-Reset", "Unix time the window resets."),
    ]
}


def _ok(schema_name: str, description: str, example: dict | None = None) -> dict:
    content: dict = {"schema": _ref(schema_name)}
    if example is not None:
        content["example"] = example
    return {
        "description": description,
        "headers": RATE_HEADERS,
        "content": {"application/json": content},
    }


def _errors(*, not_found: bool = False, write: bool = False, body: bool = False) -> dict:
    responses = {
        "400": _problem("Bad query parameter or body field (`validation_error`)."),
        "401": _problem("Missing, invalid or revoked key."),
        "403": _problem(
            "Indie plan (`plan_required`)"
            + (" or read-only key (`insufficient_ability`)." if write else ".")
        ),
        "406": _problem("Unsupported Accept header."),
        "429": _problem("Rate limited; see `Retry-After`."),
    }
    if not_found:
        responses["404"] = _problem("No such object in this workspace.")
    if body:
        responses["413"] = _problem("Body too large.")
        responses["415"] = _problem("Body is not JSON.")
    return responses


def _operation(
    op_id: str, summary: str, description: str, params: list, ok: dict, **error_flags
) -> dict:
    return {
        "operationId": op_id,
        "summary": summary,
        "description": description,
        "parameters": params,
        "responses": {"200": ok, **_errors(**error_flags)},
    }


def build_openapi(server_url: str = "/api/v1") -> dict:
    """Return the OpenAPI 3.1 document (a fresh copy each call)."""
    paths = {
        "/me": {
            "get": _operation(
                "getMe",
                "The key, its workspace and account",
                "Check a key works and see which workspace it reads.",
                [],
                _ok("Me", "The key's context."),
            )
        },
        "/campaigns": {
            "get": _operation(
                "listCampaigns",
                "List campaigns",
                "Newest first.",
                [
                    *PAGE_PARAMS,
                    _param(
                        "status",
                        {"type": "string", "enum": ["active", "archived"]},
                        "Only active or only archived campaigns.",
                    ),
                ],
                _ok("CampaignList", "A page of campaigns."),
            )
        },
        "/campaigns/{campaign_uuid}": {
            "get": _operation(
                "getCampaign",
                "Get a campaign",
                "One campaign by its Campaign ID.",
                [_path_uuid("campaign_uuid")],
                _ok("Campaign", "The campaign."),
                not_found=True,
            )
        },
        "/campaigns/{campaign_uuid}/geo-data": {
            "get": _operation(
                "getCampaignGeoData",
                "Where a campaign's callers are",
                "Totals and callers grouped by state, city and zip code, each with coordinates "
                "(null when unknown) and counters, most calls first.",
                [_path_uuid("campaign_uuid"), *PERIOD_PARAMS, STATUS_PARAM],
                _ok("GeoData", "Geo-data for the period."),
                not_found=True,
            )
        },
        "/calls": {
            "get": {
                **_operation(
                    "listCalls",
                    "List calls",
                    "Newest first. With `Accept: text/csv` the filtered calls stream as CSV "
                    "(no page limit).",
                    [*PAGE_PARAMS, *CALL_FILTERS],
                    _ok("CallList", "A page of calls."),
                ),
            }
        },
        "/calls/{call_uuid}": {
            "get": _operation(
                "getCall",
                "Get a call",
                "Every field of one call.",
                [_path_uuid("call_uuid")],
                _ok("Call", "The call."),
                not_found=True,
            ),
            "patch": {
                **_operation(
                    "updateCall",
                    "Write CRM fields back to a call",
                    "Set note, tags, lead_status and value. Needs a Read and write key.",
                    [_path_uuid("call_uuid")],
                    _ok("Call", "The updated call."),
                    not_found=True,
                    write=True,
                    body=True,
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("CallUpdate")}},
                },
            },
        },
        "/phone-numbers": {
            "get": _operation(
                "listPhoneNumbers",
                "List tracking numbers",
                "Newest first.",
                PAGE_PARAMS,
                _ok("PhoneNumberList", "A page of tracking numbers."),
            )
        },
        "/phone-numbers/{phone_number_uuid}": {
            "get": _operation(
                "getPhoneNumber",
                "Get a tracking number",
                "One tracking number.",
                [_path_uuid("phone_number_uuid")],
                _ok("PhoneNumber", "The number."),
                not_found=True,
            )
        },
        "/reports/summary": {
            "get": _operation(
                "getSummaryReport",
                "Counters grouped by a dimension",
                "Calls, answered, missed, first-time callers and average duration per group.",
                [
                    _param(
                        "group_by",
                        {"type": "string", "enum": list(GROUPINGS)},
                        "What to group by.",
                        required=True,
                    ),
                    *PERIOD_PARAMS,
                    CAMPAIGN_FILTER,
                    STATUS_PARAM,
                ],
                _ok("SummaryReport", "The groups, most calls first."),
            )
        },
        "/reports/timeseries": {
            "get": _operation(
                "getTimeseriesReport",
                "Counters over time",
                "One bucket per local hour, day, week (from Monday) or month, gaps included; "
                "DST changes give 23- and 25-hour days.",
                [
                    _param(
                        "interval",
                        {"type": "string", "enum": list(INTERVALS), "default": "day"},
                        "Bucket size.",
                    ),
                    *PERIOD_PARAMS,
                    CAMPAIGN_FILTER,
                    STATUS_PARAM,
                ],
                _ok("TimeseriesReport", "The buckets, oldest first."),
            )
        },
    }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Ring Tonic API",
            "version": API_VERSION,
            "description": (
                "Read a workspace's campaigns, tracking numbers and calls, where callers are, "
                "and reports; write CRM fields back to calls. Authenticate every request with "
                "`Authorization: Bearer <key>`; create keys in Settings → API Keys."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from Settings → API Keys: `ringtonic_…`.",
                }
            },
        },
    }
    return deepcopy(document)
