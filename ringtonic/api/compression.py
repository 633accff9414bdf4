"""Compressed API answers (Flask-Compress) for clients that accept gzip, zstd or brotli.

Only /api/v1: its answers are read with a Bearer key a page sends itself, never with a
cookie, so compressing them reveals nothing to a BREACH-style attacker; HTML pages with
CSRF tokens and freshly shown keys stay uncompressed. Streamed CSV is compressed chunk by
chunk as it is sent, so it stays streamed.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from ringtonic.extensions import compress

# Answers smaller than this gain less than compressing them costs.
MIN_SIZE = 1024
ALGORITHMS = ["zstd", "br", "gzip"]
SETTINGS = {
    # Registered on the API blueprint (api/__init__.py), not on every answer of the app.
    "COMPRESS_REGISTER": False,
    "COMPRESS_MIMETYPES": ["application/json", "application/problem+json", "text/csv"],
    "COMPRESS_MIN_SIZE": MIN_SIZE,
    "COMPRESS_ALGORITHM": ALGORITHMS,
    # Flask-Compress leaves gzip out of streaming by default; its chunked gzip is sound
    # and gzip is what every HTTP client accepts.
    "COMPRESS_ALGORITHM_STREAMING": ALGORITHMS,
    "COMPRESS_STREAMS": True,
    # A streamed CSV is never made conditional: that would read it whole first.
    "COMPRESS_STREAMING_ENDPOINT_CONDITIONAL": [],
}


def init_app(app: Flask) -> None:
    """Configure Flask-Compress for the API's answers."""
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    compress.init_app(app)


def compress_api_answer(response: Response) -> Response:
    """Compress the answer with the best algorithm the client accepts (Flask-Compress)."""
    # Most answers are a small document or a 304: neither is ever compressed, so they skip
    # parsing Accept-Encoding and running Flask-Compress's choice (about 10 µs each).
    length = response.content_length
    if response.status_code == 304 or (
        not response.is_streamed and length is not None and length < MIN_SIZE
    ):
        response.vary.add("Accept-Encoding")
        return response
    # Flask-Compress picks among the listed algorithms by quality, but still picks one the
    # client listed with q=0, which RFC 9110 says means "not acceptable".
    algorithms = current_app.config["COMPRESS_ALGORITHM"]
    if not any(request.accept_encodings[name] > 0 for name in algorithms):
        response.vary.add("Accept-Encoding")
        return response
    return compress.after_request(response)
