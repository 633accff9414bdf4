"""The cluster test's parts: the request log, HAProxy, clients that retry, the figures."""

from __future__ import annotations

import csv
import json
import os
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families
from twilio.request_validator import RequestValidator

from tests.live.clients import TIMEOUT
from tests.live.servers import PROJECT_ROOT, LiveServer, wait_until
from tests.support.ports import free_port
from tests.support.telephony_helpers import AUTH_TOKEN

HAPROXY_CFG = PROJECT_ROOT / "deploy" / "haproxy.cfg"
ATTEMPTS = 8  # a client tries a request this often before giving up
# A request cut short by a dying host: refused, reset, or answered with half a body.
CUT_SHORT = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


@dataclass
class Log:
    """Every request the load made through the balancer: when, what, status, how long."""

    rows: list[tuple[float, str, int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.rows.append((time.monotonic(), kind, status, seconds))


class Balancer:
    """HAProxy running deploy/haproxy.cfg in the foreground, in front of hosts a and b."""

    def __init__(self, directory: Path, host_a: LiveServer, host_b: LiveServer) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "haproxy.log"
        self.environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "RINGTONIC_LB_BIND": f"127.0.0.1:{self.port}",
            "RINGTONIC_HOST_A": f"127.0.0.1:{host_a.port}",
            "RINGTONIC_HOST_B": f"127.0.0.1:{host_b.port}",
            "RINGTONIC_LB_ADMIN_SOCKET": str(directory / "haproxy.sock"),
        }
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(HAPROXY_CFG)],
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, 30, "HAProxy")

    def _answers(self) -> bool:
        try:
            return requests.get(self.url("/readyz"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def admin(self, command: str) -> str:
        """Send one command to HAProxy's runtime API (its stats socket) and return the answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.environment["RINGTONIC_LB_ADMIN_SOCKET"])
            connection.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server(self, name: str) -> dict[str, str]:
        """One app host's row of `show stat` (status: UP, DOWN, DRAIN...; scur: sessions now)."""
        header, *rows = self.admin("show stat").strip().splitlines()
        for row in csv.DictReader(rows, fieldnames=header.lstrip("# ").split(",")):
            if row["pxname"] == "app_hosts" and row["svname"] == name:
                return row
        raise AssertionError(f"HAProxy has no server {name}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _retrying(log: Log, kind: str, what: str, send) -> requests.Response:
    """Send until answered < 500 (a cut connection counts as 0); log every attempt."""
    for _ in range(ATTEMPTS):
        started = time.monotonic()
        try:
            response = send()
        except CUT_SHORT:
            log.add(kind, 0, time.monotonic() - started)
        else:
            log.add(kind, response.status_code, time.monotonic() - started)
            if response.status_code < 500:
                return response
        time.sleep(0.3)
    raise AssertionError(f"{what}: no answer after {ATTEMPTS} attempts")


def post_signed(balancer: Balancer, log: Log, kind: str, path: str, params: dict) -> int:
    """POST a webhook as Twilio does, retrying (as Twilio does) until it is answered < 500."""
    url = balancer.url(path)
    headers = {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, params)}
    send = lambda: requests.post(url, data=params, headers=headers, timeout=TIMEOUT)  # noqa: E731
    return _retrying(log, kind, f"{kind} {params['CallSid']}", send).status_code


def timed_get(balancer: Balancer, log: Log, kind: str, path: str, **kwargs) -> requests.Response:
    """GET through the balancer, retrying a failed connection; log every attempt."""
    send = lambda: requests.get(balancer.url(path), timeout=TIMEOUT, **kwargs)  # noqa: E731
    return _retrying(log, kind, f"GET {path}", send)


def restart_gracefully(host: LiveServer, name: str, balancer: Balancer) -> None:
    """Upgrade a host as docs/operations.md says: drain it in HAProxy, restart it, let it back."""
    # Its backup line too: if the other host fails a check meanwhile (a slow /readyz on a
    # starved machine), traffic goes to the backups, and a stopping host must not be one.
    lines = (name, f"{name}-unready")
    for line in lines:
        balancer.admin(f"set server app_hosts/{line} state drain")
    idle = lambda: all(balancer.server(line)["scur"] == "0" for line in lines)  # noqa: E731
    wait_until(idle, 60, f"host {name} drained")
    host.stop()
    wait_until(lambda: balancer.server(name)["status"].startswith("DOWN"), 30, f"{name} down")
    host.start()
    # Up again (two good checks) but still drained: now it may take traffic.
    wait_until(lambda: balancer.server(name)["status"] == "DRAIN", 60, f"host {name} up")
    for line in lines:
        balancer.admin(f"set server app_hosts/{line} state ready")
    wait_until(lambda: balancer.server(name)["status"] == "UP", 30, f"host {name} ready")


def post_json(balancer: Balancer, log: Log, kind: str, path: str, body: dict, origin: str):
    """POST as the website tracker does (text/plain JSON, an Origin), retrying a failure."""
    data = json.dumps(body)
    headers = {"Origin": origin, "Content-Type": "text/plain"}
    send = lambda: requests.post(  # noqa: E731
        balancer.url(path), data=data, headers=headers, timeout=TIMEOUT
    )
    return _retrying(log, kind, f"POST {path}", send)


def scrape(balancer: Balancer, token: str) -> dict[str, float]:
    """Scrape /metrics through the balancer; return each unlabelled sample's value by name."""
    response = requests.get(
        balancer.url("/metrics"), headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text[:300]
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if not sample.labels
    }


def figures(log: Log, wall: float, extra: list[tuple[str, object]], errors: list) -> str:
    """The figures as a Markdown table: the load's requests and latency, then `extra`."""
    latencies = sorted(seconds for _, _, status, seconds in log.rows if 0 < status < 500)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    kinds = Counter(kind for _, kind, _, _ in log.rows)
    lines = [
        "| figure | value |",
        "| --- | --- |",
        f"| wall time of the load (s) | {wall:.0f} |",
        f"| requests through the balancer | {len(log.rows)} |",
        f"| by kind | {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))} |",
        f"| requests per second | {len(log.rows) / wall:.1f} |",
        f"| 5xx or failed connections (all at the kill, all retried) | {len(errors)} |",
        f"| p50 latency (ms) | {p50:.0f} |",
        f"| p99 latency (ms) | {p99:.0f} |",
    ]
    lines += [f"| {name} | {value} |" for name, value in extra]
    return "\n".join(lines)
