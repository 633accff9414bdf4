"""`make bench`: every benchmark on SQLite, then on PostgreSQL (or BENCH_DB only).

Each benchmark runs in its own process and exits non-zero when it misses a goal; this
runner prints a summary and fails if any did. One throwaway PostgreSQL server serves
all the PostgreSQL runs. Seeded databases are cached (see bench/seed.py), so only the
first run seeds the 1M-call databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from bench.seed import ROOT

BENCHMARKS = (
    "bench_services",
    "bench_auth",
    "bench_geo",
    "bench_reports",
    "bench_pagination",
    "bench_conditional",
    "bench_ingest",
    "bench_last_used",
    "bench_memory",
    "bench_tracker",
)


def _postgres_server() -> tuple[str, str]:
    directory = tempfile.mkdtemp(prefix="ringtonic-bench-pg-")
    url = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg-test-server.sh"), "start", directory],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return directory, url


def main() -> None:
    engines = [os.environ["BENCH_DB"]] if os.environ.get("BENCH_DB") else ["sqlite", "postgres"]
    chosen = os.environ.get("BENCH_ONLY", "").split(",") if os.environ.get("BENCH_ONLY") else []
    outcomes = []
    for engine in engines:
        env = {**os.environ, "BENCH_DB": engine}
        server_dir = None
        if engine == "postgres" and not env.get("BENCH_PG_URL"):
            server_dir, env["BENCH_PG_URL"] = _postgres_server()
            env["BENCH_PG_SOCKET_DIR"] = server_dir
        try:
            for name in BENCHMARKS:
                if chosen and name not in chosen:
                    continue
                began = time.monotonic()
                code = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT, env=env)
                outcomes.append((engine, name, code.returncode, time.monotonic() - began))
        finally:
            if server_dir:
                script = str(ROOT / "scripts" / "pg-test-server.sh")
                subprocess.run(["bash", script, "stop", server_dir], check=False)
    print("\n== Summary")
    for engine, name, code, seconds in outcomes:
        verdict = "ok" if code == 0 else "GOALS MISSED" if code == 1 else f"FAILED ({code})"
        print(f"  {engine:<9} {name:<18} {seconds:6.0f} s  {verdict}")
    sys.exit(1 if any(code for _, _, code, _ in outcomes) else 0)


if __name__ == "__main__":
    main()
