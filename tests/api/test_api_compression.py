"""API answers compressed for clients that accept it; streamed CSV compressed as it streams."""

from __future__ import annotations

import contextvars
import gzip
import random

import brotli
import pytest
from flask.testing import FlaskClient

from ringtonic.api import calls as api_calls
from tests.support.api_support import seed_demo_api
from tests.support.keys import api_get, bearer

GZIP = {"Accept-Encoding": "gzip"}
CSV = {"Accept": "text/csv"}


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=900)


def assert_varies_on_encoding(response) -> None:
    assert "Accept-Encoding" in response.headers["Vary"], response.headers


def test_a_large_json_page_is_gzipped_with_a_matching_length(client, demo):
    plain = api_get(client, "/api/v1/calls?limit=200", demo.read_key)
    packed = api_get(client, "/api/v1/calls?limit=200", demo.read_key, headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert_varies_on_encoding(plain)
    assert_varies_on_encoding(packed)
    body = packed.get_data()
    assert int(packed.headers["Content-Length"]) == len(body)
    assert len(body) * 4 < len(plain.get_data())
    assert gzip.decompress(body) == plain.get_data()
    # Everything else about the answer is the same: paging, quotas, type.
    assert packed.headers["Link"] == plain.headers["Link"]
    assert packed.headers["Content-Type"] == "application/json"
    assert packed.headers["X-RateLimit-Remaining"]
    # A weak validator names the content, not its encoding: both answers revalidate alike.
    assert packed.headers["ETag"].startswith('W/"')
    assert packed.headers["ETag"] == plain.headers["ETag"]


def test_head_sends_the_length_the_compressed_get_would(client, demo):
    get = api_get(client, "/api/v1/calls?limit=200", demo.read_key, headers=GZIP)
    head = client.head("/api/v1/calls?limit=200", headers={**bearer(demo.read_key), **GZIP})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Encoding"] == "gzip"
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_the_client_preference_picks_the_algorithm(client, demo):
    plain = api_get(client, "/api/v1/calls?limit=100", demo.read_key).get_data()
    packed = api_get(
        client, "/api/v1/calls?limit=100", demo.read_key, headers={"Accept-Encoding": "br"}
    )
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.get_data()) == plain


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "compress", ""])
def test_clients_that_do_not_accept_gzip_get_the_plain_answer(client, demo, accept):
    response = api_get(
        client, "/api/v1/calls?limit=200", demo.read_key, headers={"Accept-Encoding": accept}
    )
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.get_json()["data"]
    assert_varies_on_encoding(response)


def test_tiny_answers_are_not_compressed(client, demo):
    response = api_get(client, "/api/v1/me", demo.read_key, headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert int(response.headers["Content-Length"]) == len(response.get_data()) < 1024
    assert_varies_on_encoding(response)
    problem = client.get("/api/v1/me", headers=GZIP)
    assert problem.status_code == 401 and "Content-Encoding" not in problem.headers


def test_the_openapi_document_is_compressed(client):
    plain = client.get("/api/v1/openapi.json")
    packed = client.get("/api/v1/openapi.json", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert packed.headers["Cache-Control"] == plain.headers["Cache-Control"]
    assert_varies_on_encoding(packed)


def test_pages_outside_the_api_are_never_compressed(client):
    # HTML carries CSRF tokens and freshly shown keys: compressing it invites BREACH.
    response = client.get("/docs/api", headers=GZIP)
    assert response.status_code == 200 and len(response.get_data()) > 1024
    assert "Content-Encoding" not in response.headers


def test_a_gzipped_csv_is_the_same_file(client, demo):
    plain = api_get(client, "/api/v1/calls", demo.read_key, headers=CSV)
    packed = api_get(client, "/api/v1/calls", demo.read_key, headers={**CSV, **GZIP})
    assert packed.status_code == 200 and packed.mimetype == "text/csv"
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in packed.headers
    assert packed.headers["Content-Disposition"] == plain.headers["Content-Disposition"]
    assert {"Accept", "Accept-Encoding"} <= {v.strip() for v in packed.headers["Vary"].split(",")}
    assert gzip.decompress(packed.get_data()) == plain.get_data()


def test_a_gzipped_csv_is_still_sent_while_it_is_being_read(client, demo, monkeypatch):
    """Compressed pieces leave before the last rows are read: the CSV is never held whole."""
    events: list[str] = []
    # A long export: zlib sends a compressed piece each time its window fills, so rows that
    # do not repeat (as real ones do not) show when the pieces leave.
    rng = random.Random(7)
    made = [
        "".join(
            f"{rng.getrandbits(64):x},+1512555{rng.randrange(10**4):04d}\r\n" for _ in range(2000)
        )
        for _ in range(30)
    ]

    def watched_chunks(rows, zone, **options):
        for chunk in made:
            events.append("made")
            yield chunk

    monkeypatch.setattr(api_calls, "export_chunks", watched_chunks)

    def read_in_chunks():
        # The request and the reading of its stream share one context, as on a server.
        response = FlaskClient.open(
            client, "/api/v1/calls", headers={**bearer(demo.read_key), **CSV, **GZIP}
        )
        pieces = []
        for piece in response.response:
            if piece:
                events.append("sent")
                pieces.append(piece)
        response.close()
        return response, pieces

    response, pieces = contextvars.Context().run(read_in_chunks)
    assert response.is_streamed and response.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in response.headers
    # Pieces went out all along, not only once the whole file was made.
    last_made = len(events) - events[::-1].index("made")
    assert events[:last_made].count("sent") >= 5, events
    assert gzip.decompress(b"".join(pieces)).decode() == "".join(made)


@pytest.mark.parametrize("encoding", [GZIP, {}, {"Accept-Encoding": "identity"}])
def test_a_revalidated_page_varies_on_encoding_like_its_full_answer(client, demo, encoding):
    full = api_get(client, "/api/v1/calls?limit=50", demo.read_key, headers=encoding)
    again = api_get(
        client,
        "/api/v1/calls?limit=50",
        demo.read_key,
        headers={**encoding, "If-None-Match": full.headers["ETag"]},
    )
    assert again.status_code == 304 and "Content-Encoding" not in again.headers
    assert_varies_on_encoding(full)
    assert_varies_on_encoding(again)
    # Vary names each header once, whatever else the answer varies on.
    names = [v.strip().lower() for v in again.headers["Vary"].split(",")]
    assert names.count("accept-encoding") == 1
