"""Example bodies for the OpenAPI document: the demo plumber in Austin, Texas.

Places and coordinates are real (the demo data's places and the zip code dataset), and
every total adds up, so an example reads like an answer a client could really get.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from ringtonic.services.calls.export import export_chunks
from ringtonic.services.calls.import_fields import VISIT_COLUMNS

GBP = {"uuid": "3f0b6c1e-8a4d-4c55-9a57-2f4d1c9e7b21", "name": "Google Business Profile"}
WEBSITE = {"uuid": "a81d2c57-0e3b-4f6a-8c9d-5b7e1f2a3c44", "name": "Website"}
GBP_NUMBER = {
    "uuid": "6c9e2b71-4d8a-4f3e-b1a5-0d7c3e9f8a12",
    "number": "+15125550111",
    "friendly_name": "GBP listing",
}
CALL_UUID = "d4a7f0e2-9b3c-4e81-a6d5-7c2b8e1f0a93"
CHICAGO = "America/Chicago"
# The default period: the last 30 local days up to 27 November 2026 in Chicago.
LAST_30_DAYS = {
    "start": "2026-10-29T05:00:00Z",
    "end": "2026-11-28T06:00:00Z",
    "start_date": "2026-10-29",
    "end_date": "2026-11-27",
    "time_zone": CHICAGO,
}


def _counters(calls: int, answered: int, missed: int, first: int, average: float) -> dict[str, Any]:
    return {
        "calls": calls,
        "answered": answered,
        "missed": missed,
        "first_time_callers": first,
        "average_duration": average,
    }


def _visits(
    visits: int, visitors: int, calls: int, from_visits: int | None = None
) -> dict[str, Any]:
    """The visit counters of a group with `calls` calls (all of them from visits unless said)."""
    per_visit = round(calls / visits, 4) if visits else None
    if from_visits is None:
        from_visits = calls if visits else 0
    return {
        "visits": visits,
        "visitors": visitors,
        "calls_from_visits": from_visits,
        "calls_per_visit": per_visit,
    }


def _point(latitude: float | None, longitude: float | None) -> dict[str, Any]:
    return {"latitude": latitude, "longitude": longitude}


CAMPAIGN = {
    **GBP,
    "type": "static",
    "status": "active",
    "created_at": "2026-03-02T15:04:11Z",
    "archived_at": None,
}
PHONE_NUMBER = {
    **GBP_NUMBER,
    "forwarding_number": "+15125550100",
    "campaign": GBP,
    "source": "Google Business Profile",
    "medium": "organic",
    "created_at": "2026-03-02T15:06:40Z",
}
CALL: dict[str, Any] = {
    "uuid": CALL_UUID,
    "started_at": "2026-11-24T16:42:05Z",
    "duration_seconds": 187,
    "status": "answered",
    "first_call": True,
    "spam": False,
    "caller_number": "+15125550147",
    "caller_city": "Austin",
    "caller_state": "TX",
    "caller_zip": "78704",
    "caller_country": "US",
    "source": "Google Business Profile",
    "medium": "organic",
    "tracking_number": "+15125550111",
    "phone_number": GBP_NUMBER,
    "campaign": GBP,
    "provider_call_id": "CA5f1e0c2b7a9d4e3f8b6c1a0d2e4f6a8b",
    "external_id": None,
    "note": "Water heater leaking in the garage; wants a quote this week.",
    "tags": ["water-heater", "quote"],
    "lead_status": "qualified",
    "value": "1450.00",
    "visitor_session": None,
    "created_at": "2026-11-24T16:42:06Z",
    "updated_at": "2026-11-24T18:10:32Z",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "Me": {
        "workspace": {
            "uuid": "0b6f3c2a-5e1d-4a7b-9c8e-2f4a6b8d0c1e",
            "name": "Austin Pro Plumbing",
            "time_zone": CHICAGO,
        },
        "account": {"name": "Acme SEO", "plan": "agency"},
        "api_key": {
            "name": "SEO Utils Integration",
            "hint": "ringtonic_…a1B2",
            "access": "read",
            "created_at": "2026-11-02T16:05:09Z",
        },
    },
    "Campaign": CAMPAIGN,
    "CampaignList": {
        "data": [
            CAMPAIGN,
            {
                **WEBSITE,
                "type": "website",
                "status": "active",
                "created_at": "2026-03-02T15:03:52Z",
                "archived_at": None,
            },
        ],
        "next_cursor": None,
    },
    "PhoneNumber": PHONE_NUMBER,
    "PhoneNumberList": {"data": [PHONE_NUMBER], "next_cursor": "eyJpZCI6IDEyfQ"},
    "Call": CALL,
    "CallList": {"data": [CALL], "next_cursor": "eyJzIjogIjIwMjYtMTEtMjQifQ"},
    "GeoData": {
        "campaign": GBP,
        "period": LAST_30_DAYS,
        "totals": {
            **_counters(23, 17, 6, 16, 173.8),
            "calls_without_location": 2,
            "calls_outside_us": 0,
            # A static campaign: its callers never came through the website tracker.
            **_visits(0, 0, 23),
            "visits_without_location": 0,
        },
        "by_state": [
            {"country": "US", "state": "TX", **_point(31.3255, -97.6604)}
            | _counters(21, 16, 5, 15, 184.1)
            | _visits(0, 0, 21),
        ],
        "by_city": [
            {"country": "US", "state": "TX", "city": "Austin", **_point(30.3043, -97.7656)}
            | _counters(14, 11, 3, 9, 191.9)
            | _visits(0, 0, 14),
            {"country": "US", "state": "TX", "city": "Round Rock", **_point(30.5124, -97.6716)}
            | _counters(4, 3, 1, 3, 186.0)
            | _visits(0, 0, 4),
            {"country": "US", "state": "TX", "city": "Cedar Park", **_point(30.5052, -97.8203)}
            | _counters(2, 1, 1, 2, 98.0)
            | _visits(0, 0, 2),
            {"country": "US", "state": "TX", "city": "Houston", **_point(29.7755, -95.4154)}
            | _counters(1, 1, 0, 1, 240.0)
            | _visits(0, 0, 1),
        ],
        "by_zip": [
            {"country": "US", "zip": "78704", "city": "Austin", "state": "TX"}
            | _point(30.2428, -97.7658)
            | _counters(9, 7, 2, 6, 198.0),
            {"country": "US", "zip": "78701", "city": "Austin", "state": "TX"}
            | _point(30.2713, -97.7426)
            | _counters(5, 4, 1, 3, 181.0),
            {"country": "US", "zip": "78664", "city": "Round Rock", "state": "TX"}
            | _point(30.5145, -97.668)
            | _counters(4, 3, 1, 3, 186.0),
            {"country": "US", "zip": "78613", "city": "Cedar Park", "state": "TX"}
            | _point(30.5052, -97.8203)
            | _counters(2, 1, 1, 2, 98.0),
            {"country": "US", "zip": "77006", "city": "Houston", "state": "TX"}
            | _point(29.7409, -95.3923)
            | _counters(1, 1, 0, 1, 240.0),
        ],
    },
    "SummaryReport": {
        "period": LAST_30_DAYS,
        "group_by": "source",
        "totals": _counters(64, 48, 15, 41, 170.4) | _visits(1432, 1105, 64, 38),
        "groups": [
            {"source": "Google Business Profile"}
            | _counters(23, 17, 6, 16, 173.8)
            | _visits(212, 187, 23),
            {"source": "Website"} | _counters(19, 15, 4, 12, 182.6) | _visits(0, 0, 19),
            {"source": "google"} | _counters(15, 11, 4, 9, 150.2) | _visits(948, 702, 15),
            {"source": "Yelp"} | _counters(7, 5, 1, 4, 169.4) | _visits(0, 0, 7),
            {"source": "(direct)"} | _counters(0, 0, 0, 0, 0.0) | _visits(272, 231, 0),
        ],
    },
    "TimeseriesReport": {
        "period": {
            "start": "2026-11-24T06:00:00Z",
            "end": "2026-11-27T06:00:00Z",
            "start_date": "2026-11-24",
            "end_date": "2026-11-26",
            "time_zone": CHICAGO,
        },
        "interval": "day",
        "totals": _counters(7, 5, 2, 4, 158.0) | _visits(131, 104, 7),
        "series": [
            {
                "start": "2026-11-24T06:00:00Z",
                "end": "2026-11-25T06:00:00Z",
                "local_start": "2026-11-24T00:00:00-06:00",
            }
            | _counters(4, 3, 1, 2, 171.5)
            | _visits(52, 47, 4),
            {
                "start": "2026-11-25T06:00:00Z",
                "end": "2026-11-26T06:00:00Z",
                "local_start": "2026-11-25T00:00:00-06:00",
            }
            | _counters(3, 2, 1, 2, 140.0)
            | _visits(45, 41, 3),
            {
                "start": "2026-11-26T06:00:00Z",
                "end": "2026-11-27T06:00:00Z",
                "local_start": "2026-11-26T00:00:00-06:00",
            }
            | _counters(0, 0, 0, 0, 0.0)
            | _visits(34, 30, 0),
        ],
    },
}

CALL_UPDATE_EXAMPLE = {
    "note": "Booked for Thursday 9am; quoted a 50-gallon water heater.",
    "tags": ["water-heater", "booked"],
    "lead_status": "won",
    "value": "1450.00",
}

CALL_MERGE_PATCH_EXAMPLE = {"note": None, "lead_status": "lost", "value": None}


def _calls_csv_example() -> str:
    """Return CALL as the API's CSV, written by the code that writes the real answers."""
    row = SimpleNamespace(
        uuid=CALL["uuid"],
        started_at=datetime.fromisoformat(CALL["started_at"]),
        caller_number=CALL["caller_number"],
        tracking_number=CALL["tracking_number"],
        duration_seconds=CALL["duration_seconds"],
        status=CALL["status"],
        first_call=CALL["first_call"],
        campaign=CALL["campaign"]["name"],
        source=CALL["source"],
        medium=CALL["medium"],
        caller_city=CALL["caller_city"],
        caller_state=CALL["caller_state"],
        caller_zip=CALL["caller_zip"],
        caller_country=CALL["caller_country"],
        external_id=CALL["external_id"],
        provider_call_id=CALL["provider_call_id"],
        # A call to a static number: no website visit.
        **{f"visit_{name}": None for name in VISIT_COLUMNS},
    )
    return "".join(export_chunks([row], ZoneInfo("UTC"), for_spreadsheets=False))


CALLS_CSV_EXAMPLE = _calls_csv_example()
