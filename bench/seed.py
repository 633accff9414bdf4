"""Benchmark databases: N demo calls in one campaign, seeded once and cached by size.

SQLite databases are files in the cache directory; PostgreSQL ones are databases on the
server BENCH_PG_URL names (bench.common starts one when unset), restored from a
pg_dump in the cache directory when one exists. The cache key covers the code that
shapes the data (models, migrations, demo seeder, rollups), so a schema change reseeds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fast_seed  # noqa: E402
from ringtonic import create_app  # noqa: E402
from ringtonic.extensions import db  # noqa: E402
from ringtonic.models import PhoneNumber  # noqa: E402
from ringtonic.services.accounts.accounts import create_account  # noqa: E402
from ringtonic.services.demo.data import (  # noqa: E402
    ensure_demo_clients,
    generate_call_batches,
    insert_calls,
)
from ringtonic.services.keys.api_keys import create_api_key  # noqa: E402
from ringtonic.services.telephony.credentials import save_credentials  # noqa: E402

SECRET_KEY = "benchmark-secret-key-" + "b" * 32
PASSWORD = "correct horse battery staple"
TWILIO_ACCOUNT_SID = "AC" + "0" * 32
TWILIO_AUTH_TOKEN = "f" * 32
API_KEYS = 3
CACHE_DIR = Path(os.environ.get("BENCH_CACHE_DIR") or tempfile.gettempdir()) / "ringtonic-bench"
# Bump when seed() changes what it stores; the code below is hashed in as well (not
# bench/fast_seed.py: `verify` proves it stores what the app's own path stores).
SEED_VERSION = 2
# Calls seeded both ways to check that fast seeding's rollups are the app's own.
VERIFY_CALLS = 20_000
SHAPING_CODE = (
    "ringtonic/services/demo/data.py",
    "ringtonic/services/demo/places.py",
    "ringtonic/services/reporting/rollups.py",
    "ringtonic/services/reporting/rollup_blocks.py",
)


@dataclass(frozen=True)
class BenchDatabase:
    """A seeded database and what the benchmarks need to know about it."""

    url: str
    calls: int
    info: dict

    @property
    def now(self) -> datetime:
        return datetime.fromisoformat(self.info["now"])


def fingerprint() -> str:
    """Return a short hash of the code that decides what a seeded database holds."""
    digest = hashlib.sha256(str(SEED_VERSION).encode())
    paths = [ROOT / p for p in SHAPING_CODE]
    paths += sorted((ROOT / "ringtonic/models").glob("*.py"))
    paths += sorted((ROOT / "migrations/versions").glob("*.py"))
    for path in paths:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def bench_app(url: str):
    instance = tempfile.mkdtemp(prefix="ringtonic-bench-instance-")
    return create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance,
            "BCRYPT_ROUNDS": 4,
        }
    )


def seed(url: str, calls: int, now: datetime | None = None, app_path: bool = False) -> dict:
    """Migrate an empty database, add the bench agency, then `calls` demo calls in one campaign.

    The calls are bulk-loaded and the rollups counted once at the end (bench.fast_seed);
    `app_path` inserts them the way the demo seeder does instead, batch by batch with the
    app's rollup upkeep (what `verify` compares the fast path with).
    """
    from flask_migrate import upgrade

    now = now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    app = bench_app(url)
    with app.app_context():
        upgrade()
        account, user, _ = create_account("Bench Agency", "bench@example.com", PASSWORD, "agency")
        clients = ensure_demo_clients(account, now)
        client = clients[0]
        workspace = client.workspace
        campaign = client.numbers[0].campaign
        # Every number of the first client in one campaign: "a campaign with N calls".
        db.session.execute(
            update(PhoneNumber)
            .where(PhoneNumber.workspace_id == workspace.id)
            .values(campaign_id=campaign.id)
        )
        save_credentials(workspace, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, SECRET_KEY)
        keys = [
            create_api_key(workspace, user, f"Bench key {n}", "read_write").secret
            for n in range(1, API_KEYS + 1)
        ]
        db.session.commit()
        info = {
            "now": now.isoformat(),
            "time_zone": workspace.time_zone,
            "workspace_id": workspace.id,
            "workspace_uuid": str(workspace.uuid),
            "campaign_uuid": str(campaign.uuid),
            "tracking_numbers": [n.number for n in client.numbers],
            "api_keys": keys,
        }
        batches = generate_call_batches([client], calls, 1, now)
        with click.progressbar(
            length=calls, label=f"Seeding {calls:,} calls", file=sys.stderr
        ) as bar:
            if app_path:
                for rows in batches:
                    insert_calls(rows)
                    db.session.commit()
                    bar.update(len(rows))
            else:
                fast_seed.bulk_session_settings(db.session.connection())
                fast_seed.load_calls(batches, bar.update)
                fast_seed.build_rollups(workspace.id)
                db.session.commit()
        if url.startswith("sqlite") and app_path:
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return info


def compare_rollups(url_fast: str, url_app: str, workspace_id: int) -> list[str]:
    """Return how two seeded databases' rollups differ (empty when they are equal)."""
    found = []
    for url in (url_fast, url_app):
        with bench_app(url).app_context():
            found.append(fast_seed.rollup_rows(workspace_id))
            db.engine.dispose()
    fast, app = found
    problems = []
    for table, rows in app.items():
        if not rows:
            problems.append(f"{table}: the app's upkeep counted no rows")
        elif fast[table] != rows:
            missing, extra = set(rows) - set(fast[table]), set(fast[table]) - set(rows)
            problems.append(f"{table}: {len(missing)} rows missing, {len(extra)} unexpected")
    return problems


def verify(url_fast: str, url_app: str) -> None:
    """Seed VERIFY_CALLS calls both ways; stop unless the rollups are the app's own."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    info = seed(url_fast, VERIFY_CALLS, now)
    seed(url_app, VERIFY_CALLS, now, app_path=True)
    problems = compare_rollups(url_fast, url_app, info["workspace_id"])
    if problems:
        raise SystemExit(
            "Fast seeding's calls or rollups differ from the app's: " + "; ".join(problems)
        )
    click.echo(
        f"Fast seeding's calls and rollups equal the app's on {VERIFY_CALLS:,} calls", err=True
    )


def _sqlite(calls: int, writable: bool) -> BenchDatabase:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"sqlite-{fingerprint()}-{calls}.sqlite3"
    meta = path.with_suffix(".json")
    if not meta.exists():
        scratch = Path(tempfile.mkdtemp(prefix="ringtonic-bench-verify-"))
        verify(f"sqlite:///{scratch / 'fast.sqlite3'}", f"sqlite:///{scratch / 'app.sqlite3'}")
        shutil.rmtree(scratch, ignore_errors=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        info = seed(f"sqlite:///{partial}", calls)
        partial.rename(path)
        for suffix in ("-wal", "-shm"):  # empty after the checkpoint
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        meta.write_text(json.dumps(info))
    info = json.loads(meta.read_text())
    if writable:
        # Benchmarks that write get their own copy; the cached file stays as seeded.
        work = Path(tempfile.mkdtemp(prefix="ringtonic-bench-db-")) / path.name
        shutil.copyfile(path, work)
        path = work
    return BenchDatabase(f"sqlite:///{path}", calls, info)


def pg_bindir() -> Path:
    """Return the newest installed PostgreSQL's bin directory (Debian layout)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name.split(".")[0])
    )
    if not found:
        raise SystemExit("No PostgreSQL binaries; run scripts/system-deps.sh")
    return found[-1]


def _pg_command(tool: str, url, *args: str) -> list[str]:
    return [str(pg_bindir() / tool), "-h", url.host, "-p", str(url.port), "-U", url.username, *args]


def _verify_postgres(server) -> None:
    """Run `verify` in two scratch databases on the server, dropped afterwards."""
    names = ("bench_verify_fast", "bench_verify_app")
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        verify(*(server.set(database=name).render_as_string(hide_password=False) for name in names))
    finally:
        with engine.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _postgres(calls: int, writable: bool) -> BenchDatabase:
    server = make_url(os.environ["BENCH_PG_URL"])
    name = f"bench_{fingerprint()}_{calls}" + ("_w" if writable else "")
    url = server.set(database=name)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if writable:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    dump = CACHE_DIR / f"postgres-{fingerprint()}-{calls}.dump"
    meta = dump.with_suffix(".json")
    if not exists:
        if meta.exists():
            click.echo(f"Restoring {calls:,} calls from {dump.name}", err=True)
            subprocess.run(
                _pg_command("pg_restore", url, "-d", name, "-j", "2", "--no-owner", str(dump)),
                check=True,
            )
        else:
            _verify_postgres(server)
            info = seed(url.render_as_string(hide_password=False), calls)
            subprocess.run(_pg_command("pg_dump", url, "-Fc", "-f", str(dump), name), check=True)
            meta.write_text(json.dumps(info))
        # A restore (or a fresh seed) leaves the planner without statistics and every
        # page unmarked in the visibility map, so index-only scans would read the rows
        # too until autovacuum came by: vacuum now, as a running database would have
        # (after flushing the log, which the bench server does not wait for at commit).
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CHECKPOINT"))
            conn.execute(text("VACUUM (ANALYZE)"))
        engine.dispose()
    return BenchDatabase(
        url.render_as_string(hide_password=False), calls, json.loads(meta.read_text())
    )


def bench_database(calls: int, writable: bool = False) -> BenchDatabase:
    """Return a database seeded with `calls` demo calls on the BENCH_DB engine."""
    if os.environ.get("BENCH_DB", "sqlite") == "postgres":
        return _postgres(calls, writable)
    return _sqlite(calls, writable)


def period_params(database: BenchDatabase, window: str) -> dict[str, str]:
    """Return start_date/end_date for the last 30 local days or all time (since 2000)."""
    from zoneinfo import ZoneInfo

    today = database.now.astimezone(ZoneInfo(database.info["time_zone"])).date()
    start = today - timedelta(days=29) if window == "30d" else datetime(2000, 1, 1).date()
    return {"start_date": start.isoformat(), "end_date": today.isoformat()}
