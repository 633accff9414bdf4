"""One HTTP POST to a pinned address with urllib3: no redirects, a timeout, a capped read."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import certifi
import urllib3
from urllib3.exceptions import HTTPError, TimeoutError

from ringtonic.services.webhooks.addresses import Target

EXCERPT_BYTES = 512
_POOLS_MAX = 64
_pools: OrderedDict[tuple[Any, ...], urllib3.HTTPConnectionPool] = OrderedDict()
_pools_lock = threading.Lock()


@dataclass(frozen=True)
class Response:
    """What came back: status (None on a network error), excerpt, headers we use, latency."""

    status: int | None
    excerpt: str
    retry_after: str | None
    latency_ms: int
    error: str = ""


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    # Keep-alive per pinned address: a busy endpoint is not a TLS handshake per event.
    key = (target.scheme, target.ip, target.port, target.host)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is not None:
            _pools.move_to_end(key)
            return pool
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                target.ip,
                target.port,
                maxsize=2,
                cert_reqs="CERT_REQUIRED",
                ca_certs=certifi.where(),
                server_hostname=target.host,
                assert_hostname=target.host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(target.ip, target.port, maxsize=2)
        _pools[key] = pool
        while len(_pools) > _POOLS_MAX:
            _pools.popitem(last=False)[1].close()
        return pool


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    # An IPv6 literal is written in brackets, as in its URL.
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST `body` to the target's pinned address and return what came back."""
    headers = {**headers, "Host": _host_header(target)}
    started = time.monotonic()
    try:
        response = _pool(target).urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=urllib3.Timeout(total=timeout),
            preload_content=False,
            assert_same_host=False,
        )
    except HTTPError as error:
        latency = int((time.monotonic() - started) * 1000)
        kind = "timeout" if isinstance(error, TimeoutError) else "network error"
        return Response(None, "", None, latency, f"{kind}: {type(error).__name__}")
    try:
        data = response.read(EXCERPT_BYTES + 1, decode_content=False)
        complete = len(data) <= EXCERPT_BYTES and response.length_remaining in (0, None)
    except HTTPError:
        data, complete = b"", False
    latency = int((time.monotonic() - started) * 1000)
    if complete:
        response.release_conn()
    else:
        # The rest of a long body is never read: the connection cannot be reused.
        response.close()
    excerpt = data[:EXCERPT_BYTES].decode("utf-8", "replace")
    excerpt = "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in excerpt)
    return Response(response.status, excerpt, response.headers.get("Retry-After"), latency)
