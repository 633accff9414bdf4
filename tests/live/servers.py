"""Real servers for the live tests: gunicorn (4 workers, gunicorn.conf.py) and redis-server.

Both run as child processes on free ports, log to files the tests read, and are stopped
(and their files removed with the test's tmp_path) when the test ends.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import redis
import requests

from tests.support.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
FLASK = PROJECT_ROOT / ".venv" / "bin" / "flask"
WORKERS = 4
START_TIMEOUT = 30.0


def wait_until(condition, timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll `condition` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class RedisServer:
    """A throwaway redis-server: no persistence, bound to 127.0.0.1 on a free port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.log_path = directory / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        """Start (or restart, on the same port, empty) and wait until it answers PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._answers, START_TIMEOUT, f"redis-server on port {self.port}")

    def stop(self) -> None:
        """Stop it and wait until the port refuses connections."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class LiveServer:
    """gunicorn serving wsgi:app with gunicorn.conf.py and WORKERS workers."""

    def __init__(
        self,
        directory: Path,
        environment: dict[str, str],
        workers: int = WORKERS,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.port = free_port()
        self.workers = workers
        self.start_timeout = start_timeout
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / "gunicorn.log"
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            # Webhook signatures cover the URL Twilio requested: this server's.
            "RINGTONIC_PUBLIC_URL": self.base_url,
            **environment,
        }
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def _healthy(self) -> bool:
        try:
            return requests.get(self.url("/healthz"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def start(self) -> None:
        """Start gunicorn and wait until every worker is up and it answers."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py", "wsgi:app"],
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(
            lambda: len(self.worker_pids()) == self.workers, self.start_timeout, "all workers"
        )
        wait_until(self._healthy, self.start_timeout, f"gunicorn on port {self.port}")

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's current workers."""
        if self.process is None:
            return []
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def kill_a_worker(self) -> int | None:
        """SIGKILL one worker at random (the master starts a new one); return its pid."""
        pids = self.worker_pids()
        if not pids:
            return None
        victim = random.choice(pids)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return victim

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as when a host dies."""
        if self.process is None:
            return
        for pid in [*self.worker_pids(), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        """Stop gunicorn gracefully (SIGTERM), killing it if it hangs."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


# Webhook receivers in the live tests listen on 127.0.0.1 over plain HTTP.
WEBHOOK_ENV = {
    "RINGTONIC_WEBHOOK_ALLOW_PRIVATE": "true",
    "RINGTONIC_WEBHOOK_ALLOW_HTTP": "true",
    "RINGTONIC_WEBHOOK_TIMEOUT": "2",
}


class Worker:
    """`flask --app wsgi worker` in its own process group, with its output in a log file."""

    def __init__(self, environment: dict[str, str], log_path) -> None:
        self.environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **environment}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(FLASK), "--app", "wsgi", "worker", "--threads", "2", "--sweep-seconds", "1"],
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
