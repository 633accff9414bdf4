"""Serve a stored recording with HTTP range requests, so players can seek (RFC 9110 §14)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, request

from ringtonic.services.recordings.storage import RecordingStore

# Read from storage this much at a time: memory stays flat however long the call was.
CHUNK = 256 * 1024


def _chunks(store: RecordingStore, key: str, start: int, end: int) -> Iterator[bytes]:
    position = start
    while position < end:
        upto = min(position + CHUNK, end)
        yield store.read(key, position, upto)
        position = upto


def audio_response(
    store: RecordingStore, key: str, filename: str, *, download: bool = False
) -> Response:
    """Answer the whole recording, or the byte range asked for (206, or 416 when outside it)."""
    size = store.size(key)
    disposition = "attachment" if download else "inline"
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        # Recordings are personal data: no shared cache may keep them.
        "Cache-Control": "private, no-store",
    }
    wanted = request.range
    # Several ranges, or a conditional range (If-Range) on a file without validators: the
    # whole file, which RFC 9110 allows and every player handles.
    if wanted is None or len(wanted.ranges) != 1 or "If-Range" in request.headers:
        start, end, status = 0, size, 200
    else:
        bounds = wanted.range_for_length(size)
        if bounds is None:
            return Response(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        (start, end), status = bounds, 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    body = b"" if request.method == "HEAD" else _chunks(store, key, start, end)
    return Response(body, status=status, mimetype="audio/wav", headers=headers)
