"""gunicorn as deployed: a gzipped CSV export leaves in many pieces, not as one buffered body."""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime, timedelta

import requests

from ringtonic.extensions import db
from ringtonic.models import Call

CALLS = 6000


def _add_calls(scene) -> None:
    rng = random.Random(19)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with scene.app.app_context():
        db.session.add_all(
            Call(
                workspace_id=scene.workspace_id,
                tracking_number="+15125550100",
                caller_number=f"+1512{rng.randrange(10**7):07d}",
                started_at=start + timedelta(minutes=n),
                status=rng.choice(["answered", "missed", "busy"]),
                duration_seconds=rng.randrange(600),
                source=rng.choice(["google", "bing", "direct"]),
                medium="organic",
            )
            for n in range(CALLS)
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_a_gzipped_csv_is_streamed_in_pieces(scene, start_server):
    _add_calls(scene)
    server = start_server()
    headers = {"Authorization": f"Bearer {scene.reader_keys[0]}", "Accept": "text/csv"}
    plain = requests.get(
        server.url("/api/v1/calls"),
        headers={**headers, "Accept-Encoding": "identity"},
        timeout=60,
    )
    assert plain.status_code == 200 and len(plain.content) > 300_000
    with requests.get(
        server.url("/api/v1/calls"),
        headers={**headers, "Accept-Encoding": "gzip"},
        stream=True,
        timeout=60,
    ) as packed:
        assert packed.status_code == 200
        assert packed.headers["Content-Encoding"] == "gzip"
        assert packed.headers["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in packed.headers
        # HTTP chunks as the server wrote them, still compressed.
        pieces = list(packed.raw.read_chunked(decode_content=False))
    assert len(pieces) >= 3, [len(piece) for piece in pieces]
    body = b"".join(pieces)
    assert len(body) * 3 < len(plain.content)
    assert gzip.decompress(body) == plain.content
