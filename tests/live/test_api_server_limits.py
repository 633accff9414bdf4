"""What gunicorn (gunicorn.conf.py) answers before the app sees a request, as documented."""

from __future__ import annotations

import socket

import requests

from ringtonic.api.openapi_shared import (
    REQUEST_FIELD_SIZE_LIMIT,
    REQUEST_FIELDS_LIMIT,
    REQUEST_LINE_LIMIT,
)


def _raw(server, request: bytes) -> tuple[int, str]:
    """Send bytes as they are; return the status and the Content-Type of the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return int(head[0].split()[1]), headers.get("Content-Type", "")


def test_gunicorn_answers_its_limits_as_the_document_says(start_server):
    server = start_server()
    just_over = "/api/v1/calls?state=" + "T" * REQUEST_LINE_LIMIT
    status, media = _raw(server, f"GET {just_over} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert (status, media) == (414, "text/html")

    big_header = "X-Big: " + "a" * (REQUEST_FIELD_SIZE_LIMIT + 1)
    status, media = _raw(
        server, f"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n{big_header}\r\n\r\n".encode()
    )
    assert (status, media) == (431, "text/html")

    many = "".join(f"X-H{n}: v\r\n" for n in range(REQUEST_FIELDS_LIMIT + 1))
    status, media = _raw(server, f"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode())
    assert (status, media) == (431, "text/html")

    status, media = _raw(server, b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert (status, media) == (400, "text/html")

    # Within the limits the app answers, as problem+json (here: no key).
    response = requests.get(server.url("/api/v1/me"), timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"


def test_an_oversized_body_is_refused_by_the_app_as_problem_json(start_server):
    server = start_server()
    response = requests.get(server.url("/api/v1/me"), data=b"x" * (70 * 1024), timeout=10)
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
