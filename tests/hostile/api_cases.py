"""Hostile input through the JSON API: headers, query strings, methods.

The list-endpoint parser is exercised through PROBE_PATH until the list endpoints exist;
cases for a real endpoint (and JSON bodies for PATCH) go in this list the same way.
"""

from __future__ import annotations

from tests.hostile.stage import PROBE_PATH, api

ME = "/api/v1/me"
API_CASES = [
    api(
        "api-key-overlong",
        ME,
        401,
        "invalid_api_key",
        headers={"Authorization": "Bearer ringtonic_" + "A" * 10_000},
    ),
    api(
        "api-key-sql",
        ME,
        401,
        "invalid_api_key",
        headers={"Authorization": "Bearer ringtonic_' OR 1=1 --"},
    ),
    api(
        "api-key-nul",
        ME,
        401,
        "invalid_api_key",
        environ={"HTTP_AUTHORIZATION": "Bearer ringtonic_\x00"},
    ),
    api(
        "api-key-emoji-bytes",
        ME,
        401,
        "invalid_api_key",
        environ={"HTTP_AUTHORIZATION": "Bearer 🔑".encode().decode("latin-1")},
    ),
    api(
        "api-basic-auth",
        ME,
        401,
        "invalid_api_key",
        headers={"Authorization": "Basic YWRtaW46YWRtaW4="},
    ),
    api("api-no-key", ME, 401, "missing_api_key", keyed=False),
    api("api-key-in-query", ME + "?api_key=ringtonic_x", 400, "api_key_in_query"),
    api("api-unknown-parameter", ME + "?debug=1", 400, "validation_error"),
    api("api-parameter-nul", ME + "?%00=1", 400, "validation_error"),
    api("api-wrong-method", ME, 405, "method_not_allowed", method="DELETE"),
    api("api-unknown-path", "/api/v1/../../etc/passwd", 404, "not_found"),
    api("api-limit-negative", PROBE_PATH + "?limit=-1", 400, "validation_error"),
    api("api-limit-zero", PROBE_PATH + "?limit=0", 400, "validation_error"),
    api("api-limit-huge", PROBE_PATH + "?limit=99999999999999999999", 400, "validation_error"),
    api("api-limit-float", PROBE_PATH + "?limit=1e3", 400, "validation_error"),
    api("api-limit-arabic-digits", PROBE_PATH + "?limit=%D9%A3", 400, "validation_error"),
    api("api-limit-repeated", PROBE_PATH + "?limit=1&limit=2", 400, "validation_error"),
    api("api-uuid-junk", PROBE_PATH + "?campaign=not-a-uuid", 400, "validation_error"),
    api("api-uuid-sql", PROBE_PATH + "?campaign=%27%20OR%201=1--", 400, "validation_error"),
    api("api-boolean-junk", PROBE_PATH + "?first_time=maybe", 400, "validation_error"),
    api("api-cursor-control", PROBE_PATH + "?cursor=a%0Ab", 400, "validation_error"),
    api("api-cursor-overlong", PROBE_PATH + "?cursor=" + "c" * 300, 400, "validation_error"),
]
