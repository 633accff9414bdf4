"""Shared benchmark machinery: the real server, wrk, interleaved runs and the verdict.

Every benchmark starts gunicorn exactly as `make run` does (gunicorn.conf.py, 2 workers)
on a database seeded by bench.seed, drives it from a separate process (Debian's wrk),
and alternates the runs it compares (A, B, A, B, ...) so that noise from other work on
the machine hits both sides; it reports medians and their ratio and exits non-zero when
a goal is missed.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.seed import ROOT, SECRET_KEY, BenchDatabase

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
# wrk's connections in throughput runs (latency runs pass connections=1 themselves).
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_postgres() -> None:
    """Start a throwaway PostgreSQL for this process unless BENCH_PG_URL names one."""
    if os.environ.get("BENCH_DB", "sqlite") != "postgres" or os.environ.get("BENCH_PG_URL"):
        return
    directory = tempfile.mkdtemp(prefix="ringtonic-bench-pg-")
    script = str(ROOT / "scripts" / "pg-test-server.sh")
    url = subprocess.run(
        ["bash", script, "start", directory], check=True, capture_output=True, text=True
    ).stdout.strip()
    atexit.register(subprocess.run, ["bash", script, "stop", directory], check=False)
    os.environ["BENCH_PG_URL"] = url
    os.environ["BENCH_PG_SOCKET_DIR"] = directory


def over_unix_socket(database: BenchDatabase) -> BenchDatabase | None:
    """Return the PostgreSQL database reached through the server's Unix socket, if known.

    pg-test-server.sh puts the socket in its directory; a single-host install reaches
    PostgreSQL the same way (a URL like postgresql+psycopg:///ringtonic).
    """
    directory = os.environ.get("BENCH_PG_SOCKET_DIR")
    if not directory or not database.url.startswith("postgresql"):
        return None
    url = make_url(database.url)
    socket = url.set(host=None, port=None, query={"host": directory, "port": str(url.port)})
    return BenchDatabase(
        socket.render_as_string(hide_password=False), database.calls, database.info
    )


class Server:
    """gunicorn serving the app on a free port, as `make run` starts it."""

    def __init__(self, database: BenchDatabase, workers: int = 2) -> None:
        self.database = database
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.instance = tempfile.mkdtemp(prefix="ringtonic-bench-server-")
        self.log_path = Path(self.instance) / "server.log"
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(self.workers),
            "DATABASE_URL": self.database.url,
            "SECRET_KEY": SECRET_KEY,
            "RINGTONIC_INSTANCE_PATH": self.instance,
            "RINGTONIC_ENV": "production",
            # The quota is an operator's setting; the default (1,000 an hour per key) would
            # turn a benchmark into a count of 429s; both windows still count every request.
            "RINGTONIC_API_RATE_LIMITS": "100000000 per hour; 1000000000 per day",
        }
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early:\n{self.log()[-3000:]}")
            with contextlib.suppress(OSError):
                if (
                    get(self.base + "/healthz")[0] == 200
                    and len(self.worker_pids()) == self.workers
                ):
                    return self
            time.sleep(0.2)
        self.__exit__()
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.instance, ignore_errors=True)

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's worker processes."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    pids.append(int(stat.parent.name))
        return pids

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    """GET a URL once; return (status, body)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(url: str, headers: dict | None = None) -> dict:
    status, body = get(url, headers)
    if status != 200:
        raise SystemExit(f"GET {url} answered {status}: {body[:300]!r}")
    return json.loads(body)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def endpoint_available(url: str, headers: dict) -> bool:
    """Return whether a route answers (False, with a note, for a 404 not yet built)."""
    status, body = get(url, headers)
    if status == 404:
        print(f"  endpoint not available: {url.split('?')[0]} answers 404 (skipped)")
        return False
    if status != 200:
        raise SystemExit(f"GET {url} answered {status}: {body[:300]!r}")
    return True


@dataclass
class WrkResult:
    """What one wrk run measured."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    bad_responses: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * _UNITS_MS[unit]


def wrk_script(headers: dict[str, str] | None = None, body: str = "") -> str:
    """Write a wrk Lua script setting request headers; return its path."""
    lines = [f'wrk.headers["{name}"] = "{value}"' for name, value in (headers or {}).items()]
    handle, path = tempfile.mkstemp(suffix=".lua", prefix="ringtonic-bench-")
    with os.fdopen(handle, "w") as script:
        script.write("\n".join(lines) + "\n" + body)
    return path


def wrk(
    url: str,
    script: str | None = None,
    seconds: int = SECONDS,
    connections: int = CONNECTIONS,
    threads: int = 1,
) -> WrkResult:
    """Run wrk against one URL and parse its report."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.MULTILINE))
    if set(latency) != {"50", "99"}:
        raise SystemExit(f"wrk gave no latency distribution in {seconds} s on {url}:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return WrkResult(
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        bad_responses=(int(bad.group(1)) if bad else 0)
        + (sum(int(n) for n in re.findall(r"\d+", errors.group(1))) if errors else 0),
    )


def interleave(runs: dict[str, Callable[[], float]], rounds: int = ROUNDS) -> dict[str, list]:
    """Run each measurement once per round, alternating; return every figure by name.

    A first, unrecorded round warms every worker (lazily built caches, compiled SQL).
    """
    for run in runs.values():
        run()
    figures: dict[str, list] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            figures[name].append(run())
    return figures


def median(values: list[float]) -> float:
    return statistics.median(values)


@dataclass
class Verdict:
    """The goals a benchmark checked, printed as it goes."""

    title: str
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        engine = os.environ.get("BENCH_DB", "sqlite")
        print(f"\n== {self.title} ({engine}, {os.cpu_count()} cores)", flush=True)

    def figure(self, label: str, value: float, unit: str) -> None:
        print(f"  {label:<52} {value:>10.2f} {unit}", flush=True)

    def goal(self, label: str, value: float, limit: float, at_most: bool = True) -> None:
        passed = value <= limit if at_most else value >= limit
        sign = "<=" if at_most else ">="
        mark = "ok" if passed else "MISSED"
        print(f"  {label:<52} {value:>10.2f}   goal {sign} {limit}  {mark}", flush=True)
        if not passed:
            self.failures.append(label)

    def exit(self) -> None:
        if self.failures:
            print(f"  goals missed: {', '.join(self.failures)}", flush=True)
        sys.exit(1 if self.failures else 0)
