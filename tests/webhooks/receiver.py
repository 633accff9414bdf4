"""A real HTTP receiver for webhook tests: records requests, answers from a script."""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """What the server got, and what it answers next: (status, delay seconds, headers)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    script: list[tuple[int, float, dict]] = field(default_factory=list)
    default: tuple[int, float, dict] = (200, 0.0, {})
    got_one: threading.Event = field(default_factory=threading.Event)

    def answer(self, *statuses: int, delay: float = 0.0, headers: dict | None = None) -> None:
        self.script.extend((status, delay, headers or {}) for status in statuses)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.requests) >= count, f"got {len(self.requests)} of {count} requests"
        return self.requests


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """Verify a delivery as a receiver would, written from the documentation alone."""
    parts = [item.split("=", 1) for item in headers["Ringtonic-Signature"].split(",")]
    timestamp = next(value for key, value in parts if key == "t")
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    plain = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return any(
        key == "v1" and hmac.compare_digest(value, expected) for key, value in parts
    ) and plain in headers["Signature"].split(",")


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


@contextmanager
def running_receiver(host: str = "127.0.0.1") -> Iterator[Receiver]:
    """Serve on `host` (an IPv4 or IPv6 address) on a free port until the block ends."""
    state: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (the http.server API)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.requests.append(
                Received(self.path, dict(self.headers.items()), body, time.time())
            )
            state.got_one.set()
            status, delay, headers = state.script.pop(0) if state.script else state.default
            if delay:
                time.sleep(delay)
            reply = f"status {status}".encode()
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except OSError:
                pass  # the sender gave up (timeout): nothing to answer

        def log_message(self, *args):
            pass

    server = (_IPv6Server if ":" in host else ThreadingHTTPServer)((host, 0), Handler)
    server.daemon_threads = True
    authority = f"[{host}]" if ":" in host else host
    state = Receiver(f"http://{authority}:{server.server_address[1]}/hooks/ringtonic")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
