"""JSON Schemas of the API's bodies: the `components.schemas` of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ringtonic.api.errors import PROBLEMS
from ringtonic.api.serializers import VISIT_TEXT_FIELDS
from ringtonic.models import CAMPAIGN_TYPES, LEAD_STATUSES, STORED_CALL_STATUSES
from ringtonic.services.reporting.reports import GROUPINGS, INTERVALS


def ref(name: str) -> dict[str, Any]:
    """Point at a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Allow null besides `schema`."""
    return {"anyOf": [schema, {"type": "null"}]}


def closed_object(
    properties: dict[str, Any], required: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    """An object with exactly these properties (all required unless listed)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
UUID = {"type": "string", "format": "uuid"}
TEXT = {"type": "string"}
NULLABLE_TEXT = nullable(TEXT)
_WITH_GEOIP = " of the visitor's address (null when the server has no GeoIP database)."
VISIT_LOCATION = {
    "city": nullable({"type": "string", "description": "City" + _WITH_GEOIP}),
    "state": nullable(
        {"type": "string", "description": "ISO 3166-2 subdivision code, e.g. TX," + _WITH_GEOIP}
    ),
    "country": nullable(
        {"type": "string", "description": "ISO 3166-1 alpha-2 code, e.g. US," + _WITH_GEOIP}
    ),
}
COUNT = {"type": "integer", "minimum": 0}

COUNTERS = {
    "calls": COUNT,
    "answered": COUNT,
    "missed": {
        **COUNT,
        "description": "Calls nobody answered: missed, busy, failed or voicemail.",
    },
    "first_time_callers": COUNT,
    "average_duration": {
        "type": "number",
        "minimum": 0,
        "description": "Seconds, averaged over all calls, one decimal.",
    },
}
# Website visits beside the calls (a visit counts in the period it started in).
VISIT_COUNTERS = {
    "visits": {**COUNT, "description": "Website visits (tracker sessions) started."},
    "visitors": {
        **COUNT,
        "description": "Different visitors who made those visits (by the tracker's visitor id).",
    },
    "calls_from_visits": {
        **COUNT,
        "description": (
            "Calls attributed to those visits (to the number each visit was shown), whatever "
            "their status and wherever the caller is: the calls the website made."
        ),
    },
    "calls_per_visit": nullable(
        {
            "type": "number",
            "minimum": 0,
            "description": "calls ÷ visits, four decimals; null without visits.",
        }
    ),
}
PLACE_POINT = {
    "latitude": nullable({"type": "number", "minimum": -90, "maximum": 90}),
    "longitude": nullable({"type": "number", "minimum": -180, "maximum": 180}),
}
# Place names as callers' carriers reported them; null when not reported.
COUNTRY = {**NULLABLE_TEXT, "description": "Two-letter country code, null when unknown."}


def counted(properties: dict[str, Any], *, visits: bool = False) -> dict[str, Any]:
    """A group: its key properties followed by the counters (and the visit counters)."""
    return closed_object({**properties, **COUNTERS, **(VISIT_COUNTERS if visits else {})})


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "An RFC 9457 problem. Branch on `code`; `detail` is for people.",
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": TEXT,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": TEXT,
            "code": {"type": "string", "enum": sorted(PROBLEMS)},
            "field": {
                "type": "string",
                "description": "The parameter or body field at fault (validation errors).",
            },
            "request_id": {
                "type": "string",
                "description": "The X-Request-Id of this response: quote it to the operator.",
            },
            "errors": {
                "type": "array",
                "description": "Every field at fault with its message (validation errors).",
                "items": closed_object({"field": TEXT, "message": TEXT}),
            },
        },
        "required": ["type", "title", "status", "detail", "code"],
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": _problem_schema(),
    "Reference": closed_object({"uuid": UUID, "name": TEXT}),
    "NumberReference": closed_object({"uuid": UUID, "number": TEXT, "friendly_name": TEXT}),
    "Me": closed_object(
        {
            "workspace": closed_object(
                {"uuid": UUID, "name": TEXT, "time_zone": {**TEXT, "description": "IANA zone."}}
            ),
            "account": closed_object(
                {"name": TEXT, "plan": {"type": "string", "enum": ["agency"]}}
            ),
            "api_key": closed_object(
                {
                    "name": TEXT,
                    "hint": TEXT,
                    "access": {"type": "string", "enum": ["read", "read_write"]},
                    "created_at": DATE_TIME,
                }
            ),
        }
    ),
    "Campaign": closed_object(
        {
            "uuid": UUID,
            "name": TEXT,
            "type": {"type": "string", "enum": list(CAMPAIGN_TYPES)},
            "status": {"type": "string", "enum": ["active", "archived"]},
            "created_at": DATE_TIME,
            "archived_at": nullable(DATE_TIME),
        }
    ),
    "PhoneNumber": closed_object(
        {
            "uuid": UUID,
            "number": {"type": "string", "description": "E.164"},
            "friendly_name": TEXT,
            "forwarding_number": {"type": "string", "description": "E.164"},
            "campaign": nullable(ref("Reference")),
            "source": TEXT,
            "medium": TEXT,
            "created_at": DATE_TIME,
        }
    ),
    "Call": closed_object(
        {
            "uuid": UUID,
            "started_at": DATE_TIME,
            "duration_seconds": COUNT,
            "status": {
                "type": "string",
                "enum": list(STORED_CALL_STATUSES),
                "description": "spam_gate_failed: the caller did not press the campaign's "
                "gate key (not a missed lead; never counted in reports).",
            },
            "first_call": {"type": "boolean"},
            "spam": {
                "type": "boolean",
                "description": "Marked as spam: left out of reports, maps and totals.",
            },
            "caller_number": nullable({"type": "string", "description": "E.164"}),
            "caller_city": NULLABLE_TEXT,
            "caller_state": NULLABLE_TEXT,
            "caller_zip": NULLABLE_TEXT,
            "caller_country": NULLABLE_TEXT,
            "source": NULLABLE_TEXT,
            "medium": NULLABLE_TEXT,
            "tracking_number": {"type": "string", "description": "E.164 number dialled"},
            "phone_number": nullable(ref("NumberReference")),
            "campaign": nullable(ref("Reference")),
            "provider_call_id": NULLABLE_TEXT,
            "external_id": NULLABLE_TEXT,
            "note": TEXT,
            "tags": {"type": "array", "items": TEXT},
            "lead_status": nullable({"type": "string", "enum": list(LEAD_STATUSES)}),
            "value": nullable({"type": "string", "pattern": r"^-?\d+\.\d{2}$"}),
            "visitor_session": nullable(ref("VisitorSession")),
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
        }
    ),
    "VisitorSession": closed_object(
        {
            "uuid": UUID,
            "started_at": DATE_TIME,
            **{name: NULLABLE_TEXT for name in VISIT_TEXT_FIELDS},
            **VISIT_LOCATION,
            "keyword": nullable({"type": "string", "description": "utm_term"}),
        },
        description="The website visit that held the tracking number when the call rang "
        "(website pool numbers only): where it came from, its landing page, UTM tags, ad "
        "click ids and Google Analytics ids.",
    ),
    "CallUpdate": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {
            "spam": {
                "type": "boolean",
                "description": "true adds the caller to the workspace's blocked numbers and "
                "takes all their calls out of reports; false undoes both.",
            },
            "note": {"type": "string", "maxLength": 10000},
            "tags": {
                "type": "array",
                "maxItems": 50,
                "items": {"type": "string", "minLength": 1, "maxLength": 50},
            },
            "lead_status": nullable({"type": "string", "enum": list(LEAD_STATUSES)}),
            "value": nullable(
                {
                    "type": "string",
                    "pattern": r"^\d{1,10}(\.\d{1,2})?$",
                    "description": 'A money amount as a decimal string, e.g. "250.00".',
                }
            ),
        },
    },
    "CallMergePatch": {
        "type": "object",
        "additionalProperties": False,
        "description": (
            "An RFC 7396 merge patch: fields sent replace the call's, `null` removes one "
            "(a removed note is empty, removed tags are `[]`), `{}` changes nothing."
        ),
        "properties": {
            "spam": nullable({"type": "boolean", "description": "null is false."}),
            "note": nullable({"type": "string", "maxLength": 10000}),
            "tags": nullable(
                {
                    "type": "array",
                    "maxItems": 50,
                    "items": {"type": "string", "minLength": 1, "maxLength": 50},
                }
            ),
            "lead_status": nullable({"type": "string", "enum": list(LEAD_STATUSES)}),
            "value": nullable(
                {
                    "type": "string",
                    "pattern": r"^\d{1,10}(\.\d{1,2})?$",
                    "description": 'A money amount as a decimal string, e.g. "250.00".',
                }
            ),
        },
    },
    "Period": closed_object(
        {
            "start": {**DATE_TIME, "description": "First instant counted (UTC)."},
            "end": {**DATE_TIME, "description": "First instant no longer counted (UTC)."},
            "start_date": {**DATE, "description": "Local date of `start`."},
            "end_date": {**DATE, "description": "Local date of the last instant counted."},
            "time_zone": {**TEXT, "description": "IANA zone the dates are read in."},
        }
    ),
    "Totals": closed_object({**COUNTERS, **VISIT_COUNTERS}),
    "GeoTotals": closed_object(
        {
            **COUNTERS,
            "calls_without_location": {
                **COUNT,
                "description": "Calls with no state, city or zip code.",
            },
            "calls_outside_us": {**COUNT, "description": "Calls located outside the US."},
            **VISIT_COUNTERS,
            "visits_without_location": {
                **COUNT,
                "description": "Visits with no state or city (always all of them without "
                "a GeoIP database on the server).",
            },
        }
    ),
    "GeoData": closed_object(
        {
            "campaign": ref("Reference"),
            "period": ref("Period"),
            "totals": ref("GeoTotals"),
            "by_state": {
                "type": "array",
                "items": counted({"country": COUNTRY, "state": TEXT, **PLACE_POINT}, visits=True),
            },
            "by_city": {
                "type": "array",
                "items": counted(
                    {"country": COUNTRY, "state": NULLABLE_TEXT, "city": TEXT, **PLACE_POINT},
                    visits=True,
                ),
            },
            "by_zip": {
                "type": "array",
                "items": counted(
                    {
                        "country": COUNTRY,
                        "zip": TEXT,
                        "city": {
                            **NULLABLE_TEXT,
                            "description": "The city most of the zip's callers gave.",
                        },
                        "state": NULLABLE_TEXT,
                        **PLACE_POINT,
                    }
                ),
            },
        }
    ),
    "SummaryGroup": closed_object(
        {
            "source": NULLABLE_TEXT,
            "medium": NULLABLE_TEXT,
            "campaign": nullable(ref("Reference")),
            "tracking_number": closed_object(
                {"uuid": nullable(UUID), "number": NULLABLE_TEXT, "friendly_name": NULLABLE_TEXT},
                description="uuid and friendly_name are null for a number no longer tracked.",
            ),
            "country": COUNTRY,
            "state": NULLABLE_TEXT,
            "city": NULLABLE_TEXT,
            **COUNTERS,
            **VISIT_COUNTERS,
        },
        required=[*COUNTERS, *VISIT_COUNTERS],
        description=(
            "The group's key, named after `group_by` (`state` also gives `country`; `city` "
            "gives `country` and `state`), then the counters and the group's website visits. "
            "Null keys group calls (and visits) without that value; a group with visits but "
            "no calls is listed with zero calls. For `tracking_number`, visits count the "
            "visits shown that number."
        ),
    ),
    "SummaryReport": closed_object(
        {
            "period": ref("Period"),
            "group_by": {"type": "string", "enum": list(GROUPINGS)},
            "totals": ref("Totals"),
            "groups": {"type": "array", "items": ref("SummaryGroup")},
        }
    ),
    "TimeseriesReport": closed_object(
        {
            "period": ref("Period"),
            "interval": {"type": "string", "enum": list(INTERVALS)},
            "totals": ref("Totals"),
            "series": {
                "type": "array",
                "items": counted(
                    {
                        "start": {**DATE_TIME, "description": "Bucket start (UTC)."},
                        "end": {**DATE_TIME, "description": "Bucket end, exclusive (UTC)."},
                        "local_start": {
                            **DATE_TIME,
                            "description": "Bucket start in the period's zone, with offset.",
                        },
                    },
                    visits=True,
                ),
            },
        }
    ),
}


def _list_of(name: str) -> dict[str, Any]:
    return closed_object(
        {
            "data": {"type": "array", "items": ref(name)},
            "next_cursor": {
                **NULLABLE_TEXT,
                "description": "Pass as `cursor` for the next page; null on the last page.",
            },
        }
    )


SCHEMAS["CampaignList"] = _list_of("Campaign")
SCHEMAS["PhoneNumberList"] = _list_of("PhoneNumber")
SCHEMAS["CallList"] = _list_of("Call")
