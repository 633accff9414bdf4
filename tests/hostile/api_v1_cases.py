"""Hostile input to the v1 endpoints: their own query parameters, and PATCH bodies on a call.

Every PATCH goes to the stage's one call with its read-write key. Refused bodies must leave
the call as it was; the one odd-but-valid body must come back as the exact strings, as JSON.
"""

from __future__ import annotations

import json

from werkzeug.test import TestResponse

from tests.hostile.checks import SCRIPT
from tests.hostile.stage import Case, Send, Stage, api, raw
from tests.support.keys import api_get, bearer

CALLS = "/api/v1/calls"
ODD_NOTE = "<script>alert(1)</script> 🚀 \u202e"
ODD_TAGS = ["vip 🚀"]
_NOT_SENT = object()


def patch(body: object = _NOT_SENT, *, data: str | None = None, content_type: str = "") -> Send:
    """Return a sender of PATCH /api/v1/calls/<the stage's call>: `body` as JSON, or raw `data`."""
    sent = json.dumps(body) if body is not _NOT_SENT else data
    content_type = content_type or "application/json"

    def send(stage: Stage) -> TestResponse:
        return stage.client.patch(
            f"{CALLS}/{stage.call.uuid}",
            data=sent,
            content_type=content_type,
            headers=bearer(stage.secret),
            buffered=True,
        )

    return send


def patch_case(case_id: str, status: int, code: str, body: object = _NOT_SENT, **kw) -> Case:
    """A PATCH refused with `status` and the problem `code`."""
    return raw(case_id, "api", patch(body, **kw), status, code)


def returns_exact_crm_fields(stage: Stage, response: TestResponse) -> None:
    """Check the PATCH answer and a later GET hold the strings as sent, in a JSON document."""
    assert response.mimetype == "application/json"
    answer = api_get(stage.client, f"{CALLS}/{stage.call.uuid}", stage.secret)
    assert answer.status_code == 200
    # JSON, never sniffed as HTML: the script is data, not markup.
    assert answer.mimetype == "application/json"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    document = answer.get_json()
    assert document["note"] == ODD_NOTE
    assert document["tags"] == ODD_TAGS
    assert response.get_json()["note"] == ODD_NOTE


def _invalid(case_id: str, path: str) -> Case:
    return api(case_id, path, 400, "validation_error")


API_V1_CASES = [
    _invalid("api-calls-limit-overlong", CALLS + "?limit=10000000000000000000000"),
    _invalid("api-calls-date-impossible", CALLS + "?start_date=2024-02-30"),
    _invalid("api-calls-date-nul", CALLS + "?start_date=%00"),
    _invalid("api-calls-time-zone-unknown", CALLS + "?time_zone=Mars%2FOlympus"),
    # Base64 of {"x":1}: well-formed, but not a cursor this API ever gave out.
    _invalid("api-calls-cursor-forged", CALLS + "?cursor=eyJ4IjoxfQ"),
    _invalid("api-calls-campaign-sql", CALLS + "?campaign=1%20OR%201%3D1"),
    _invalid("api-summary-group-by-unknown", "/api/v1/reports/summary?group_by=password"),
    _invalid("api-timeseries-interval-html", "/api/v1/reports/timeseries?interval=%3Cscript%3E"),
    api("api-call-id-junk", CALLS + "/not-a-uuid", 404, "not_found"),
    api("api-campaign-id-sql", "/api/v1/campaigns/%27%20OR%201=1", 404, "not_found"),
    patch_case("api-patch-json-truncated", 400, "validation_error", data='{"note": '),
    patch_case("api-patch-json-array", 400, "validation_error", ["note"]),
    patch_case("api-patch-empty-object", 400, "validation_error", {}),
    patch_case("api-patch-workspace-id", 400, "validation_error", {"workspace_id": 1}),
    patch_case("api-patch-note-operator", 400, "validation_error", {"note": {"$ne": 1}}),
    patch_case("api-patch-note-nul", 400, "validation_error", {"note": "a\x00b"}),
    patch_case(
        "api-patch-note-lone-surrogate", 400, "validation_error", data=r'{"note": "\ud800"}'
    ),
    patch_case("api-patch-field-lone-surrogate", 400, "validation_error", data=r'{"\udfff": 1}'),
    patch_case("api-patch-tag-nul", 400, "validation_error", data=r'{"tags": ["vip\u0000"]}'),
    patch_case("api-patch-value-arabic-digits", 400, "validation_error", {"value": "١٢٣"}),
    patch_case(
        "api-patch-value-fullwidth-digits", 400, "validation_error", {"value": "２５０.００"}
    ),
    patch_case("api-patch-note-overlong", 400, "validation_error", {"note": "n" * 10_001}),
    patch_case("api-patch-tags-string", 400, "validation_error", {"tags": "vip"}),
    patch_case("api-patch-tag-overlong", 400, "validation_error", {"tags": [SCRIPT * 3]}),
    patch_case("api-patch-value-float", 400, "validation_error", {"value": 250.5}),
    patch_case("api-patch-value-negative", 400, "validation_error", {"value": "-1.00"}),
    patch_case("api-patch-value-overlong", 400, "validation_error", {"value": "1" * 40}),
    patch_case("api-patch-lead-status-sql", 400, "validation_error", {"lead_status": "DROP TABLE"}),
    patch_case(
        "api-patch-form-encoded",
        415,
        "unsupported_media_type",
        data="note=x",
        content_type="application/x-www-form-urlencoded",
    ),
    patch_case("api-patch-too-large", 413, "payload_too_large", {"note": "n" * 70_000}),
    Case(
        "api-patch-odd-but-valid",
        "api",
        patch({"note": ODD_NOTE, "tags": ODD_TAGS}),
        200,
        accepted=True,
        check=returns_exact_crm_fields,
    ),
]
