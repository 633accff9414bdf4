"""Local stand-ins for Twilio's media host (a real HTTP server) and an S3-compatible store."""

from __future__ import annotations

import base64
import io
import math
import re
import struct
import threading
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = re.compile(
    r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Recordings/(RE[0-9a-f]{32})\.(wav|json)$"
)

# The S3 bucket the recordings tests copy to (created on the local S3-compatible server).
BUCKET = "call-recordings"


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """Return a real mono 16-bit PCM WAV file holding a 440 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


class TwilioMedia:
    """Twilio's recording endpoints: GET .wav and DELETE .json, behind Basic auth."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.recordings: dict[str, bytes] = {}
        self.failures_to_come = 0
        self.requests: list[tuple[str, str]] = []
        self.deleted: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TwilioMedia:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        media = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                return

            def _answer(self, status: int, body: bytes = b"", kind: str = "application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _route(self, method: str):
                media.requests.append((method, self.path))
                expected = base64.b64encode(
                    f"{media.account_sid}:{media.auth_token}".encode()
                ).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    return self._answer(401, b'{"code": 20003, "status": 401}')
                if media.failures_to_come:
                    media.failures_to_come -= 1
                    return self._answer(503, b'{"status": 503}')
                match = PATH.match(self.path)
                if not match or match.group(1) != media.account_sid:
                    return self._answer(404, b'{"code": 20404, "status": 404}')
                sid, extension = match.group(2), match.group(3)
                if sid not in media.recordings:
                    return self._answer(404, b'{"code": 20404, "status": 404}')
                if method == "GET" and extension == "wav":
                    return self._answer(200, media.recordings[sid], "audio/x-wav")
                if method == "DELETE" and extension == "json":
                    del media.recordings[sid]
                    media.deleted.append(sid)
                    return self._answer(204)
                return self._answer(405, b'{"status": 405}')

            def do_GET(self):
                self._route("GET")

            def do_DELETE(self):
                self._route("DELETE")

        return Handler
