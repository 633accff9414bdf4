"""Hostile input through the JSON API: keys, headers, methods and the shared query parser.

The parser every list endpoint shares is exercised through the calls list; cases for each
v1 endpoint's own parameters and for PATCH bodies are in api_v1_cases.py.
"""

from __future__ import annotations

from tests.hostile.stage import api

ME = "/api/v1/me"
CALLS = "/api/v1/calls"
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
    api("api-limit-negative", CALLS + "?limit=-1", 400, "validation_error"),
    api("api-limit-zero", CALLS + "?limit=0", 400, "validation_error"),
    api("api-limit-huge", CALLS + "?limit=99999999999999999999", 400, "validation_error"),
    api("api-limit-float", CALLS + "?limit=1e3", 400, "validation_error"),
    api("api-limit-arabic-digits", CALLS + "?limit=%D9%A3", 400, "validation_error"),
    api("api-limit-repeated", CALLS + "?limit=1&limit=2", 400, "validation_error"),
    api("api-uuid-junk", CALLS + "?campaign=not-a-uuid", 400, "validation_error"),
    api("api-uuid-sql", CALLS + "?campaign=%27%20OR%201=1--", 400, "validation_error"),
    api("api-boolean-junk", CALLS + "?first_time=maybe", 400, "validation_error"),
    api("api-cursor-control", CALLS + "?cursor=a%0Ab", 400, "validation_error"),
    api("api-cursor-overlong", CALLS + "?cursor=" + "c" * 300, 400, "validation_error"),
]
