"""Parameters of the API's operations, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Any

from ringtonic.api.openapi_examples import GBP
from ringtonic.services.calls.stats import CALL_LIST_STATUS_FILTERS, STATUS_FILTERS

# Free text: no control characters, and not blank. The API refuses an empty or blank value
# of any parameter (400 validation_error naming it) rather than reading it as absent.
PRINTABLE_NOT_BLANK = r"^[^\u0000-\u001f]*\S[^\u0000-\u001f]*$"


def text_schema(max_length: int) -> dict[str, Any]:
    """Return the schema of a free-text query value of at most `max_length` characters."""
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": PRINTABLE_NOT_BLANK,
    }


def query_param(
    name: str,
    schema: dict[str, Any],
    description: str,
    required: bool = False,
    example: object = None,
) -> dict[str, Any]:
    """Describe a query parameter."""
    parameter = {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }
    if example is not None:
        parameter["example"] = example
    return parameter


def path_uuid(name: str, what: str, example: str) -> dict[str, Any]:
    """Describe a path segment holding an object's uuid."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
        "description": f"The {what}'s uuid. Malformed or other workspaces' ids answer 404.",
        "example": example,
    }


PAGE_PARAMS = [
    query_param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
        "Items per page.",
    ),
    query_param(
        "cursor",
        {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[A-Za-z0-9_-]+$"},
        "The `next_cursor` of the previous page.",
    ),
]
_DAY_OR_INSTANT = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
}
# An instant's "+" offset decodes as a space unless sent as %2B; the server reads it back.
_PLUS_NOTE = " Send an offset's `+` as `%2B`; a `+` sent as it is still reads as one."
PERIOD_PARAMS = [
    query_param(
        "start_date",
        _DAY_OR_INSTANT,
        "First local day (`YYYY-MM-DD`) or an exact ISO 8601 instant. Default: 29 days "
        "before the last day, so the period is 30 days." + _PLUS_NOTE,
        example="2026-11-01",
    ),
    query_param(
        "end_date",
        _DAY_OR_INSTANT,
        "Last local day, included (`YYYY-MM-DD`), or an exact instant, excluded. "
        "Default: today in `time_zone`.",
        example="2026-11-27",
    ),
    query_param(
        "time_zone",
        text_schema(64),
        "IANA time zone the dates and buckets are read in. Default: the workspace's.",
        example="America/Chicago",
    ),
]
STATUS_PARAM = query_param(
    "status",
    {"type": "string", "enum": list(STATUS_FILTERS)},
    "Only calls with this status; `missed-all` selects missed, busy, failed and voicemail, "
    "the calls the `missed` counter counts.",
)
CALL_STATUS_PARAM = query_param(
    "status",
    {"type": "string", "enum": list(CALL_LIST_STATUS_FILTERS)},
    "Only calls with this status; `missed-all` selects missed, busy, failed and voicemail; "
    "`spam_gate_failed` selects the callers who did not press the campaign's gate key "
    "(listed here, never counted in reports).",
)
CAMPAIGN_FILTER = query_param(
    "campaign",
    {"type": "string", "format": "uuid"},
    "Only calls of this campaign. An id that is not one of the workspace's campaigns "
    "answers 400 `validation_error` naming `campaign`.",
    example=GBP["uuid"],
)
CALL_FILTERS = [
    CAMPAIGN_FILTER,
    query_param(
        "tracking_number",
        {"type": "string", "format": "uuid"},
        "Only calls to this tracking number (its uuid).",
    ),
    CALL_STATUS_PARAM,
    query_param(
        "start_date",
        _DAY_OR_INSTANT,
        "Only calls from this local day (`YYYY-MM-DD`) or exact ISO 8601 instant on. "
        "No default: without dates every call is listed." + _PLUS_NOTE,
        example="2026-11-01",
    ),
    query_param(
        "end_date",
        _DAY_OR_INSTANT,
        "Only calls up to this local day, included, or before this exact instant.",
        example="2026-11-27",
    ),
    PERIOD_PARAMS[2],
    query_param("first_time", {"type": "boolean"}, "true: first-time callers only; false: repeat."),
    query_param(
        "min_duration",
        {"type": "integer", "minimum": 0, "maximum": 86400},
        "Only calls at least this many seconds long.",
    ),
    query_param(
        "state",
        text_schema(50),
        "Only callers from this state (e.g. TX).",
    ),
    query_param(
        "source",
        text_schema(100),
        "Only calls from this source (case-insensitive), e.g. `google`: a website visit's "
        "source for calls to pool numbers, the number's own source otherwise.",
        example="google",
    ),
    query_param(
        "medium",
        text_schema(100),
        "Only calls with this medium (case-insensitive), e.g. `cpc` or `organic`.",
        example="cpc",
    ),
]
