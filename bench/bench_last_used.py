"""Benchmark 6: UPDATEs that reach the keys table over 10,000 requests with 3 keys.

A key's last use is written at most once a minute (a conditional UPDATE, after the
response), so 10,000 requests spread over 3 keys inside one minute should write at
most 3 times. The benchmark counts the UPDATEs with a trigger it adds to its own copy
of the database.
"""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from bench.common import Server, Verdict, ensure_postgres, wrk, wrk_script
from bench.seed import bench_database

REQUESTS = 10_000
WINDOW_SECONDS = 50  # the last-used interval is 60 s: stay inside one
GOAL = 3

_SQLITE_COUNTER = (
    "CREATE TABLE bench_key_updates (n INTEGER NOT NULL)",
    "INSERT INTO bench_key_updates VALUES (0)",
    "CREATE TRIGGER bench_count_key_updates AFTER UPDATE ON api_keys "
    "BEGIN UPDATE bench_key_updates SET n = n + 1; END",
)
_POSTGRES_COUNTER = (
    "CREATE TABLE bench_key_updates (n INTEGER NOT NULL)",
    "INSERT INTO bench_key_updates VALUES (0)",
    "CREATE FUNCTION bench_count_key_update() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN UPDATE bench_key_updates SET n = n + 1; RETURN NULL; END $$",
    "CREATE TRIGGER bench_count_key_updates AFTER UPDATE ON api_keys "
    "FOR EACH ROW EXECUTE FUNCTION bench_count_key_update()",
)


def _rotating_keys_script(keys: list[str]) -> str:
    names = ", ".join(f'"{key}"' for key in keys)
    return wrk_script(
        body=f"""
local keys = {{{names}}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/me", {{["Authorization"] = "Bearer " .. keys[n % #keys + 1]}})
end
"""
    )


def main() -> None:
    ensure_postgres()
    verdict = Verdict("Last-used writes: 10,000 requests with 3 keys in under a minute")
    database = bench_database(0, writable=True)
    engine = create_engine(database.url)
    with engine.begin() as conn:
        for statement in (
            _POSTGRES_COUNTER if engine.dialect.name == "postgresql" else _SQLITE_COUNTER
        ):
            conn.execute(text(statement))
    keys = database.info["api_keys"]
    script = _rotating_keys_script(keys)
    sent, bad = 0, 0
    with Server(database) as server:
        began = time.monotonic()
        while sent < REQUESTS and time.monotonic() - began < WINDOW_SECONDS - 5:
            result = wrk(server.base + "/api/v1/me", script, seconds=5)
            sent += result.requests
            bad += result.bad_responses
        elapsed = time.monotonic() - began
        time.sleep(1)  # writes happen after responses close
    with engine.connect() as conn:
        updates = conn.execute(text("SELECT n FROM bench_key_updates")).scalar()
    engine.dispose()
    verdict.figure(f"requests sent with {len(keys)} keys", sent, "")
    verdict.figure("seconds taken", elapsed, "s")
    verdict.goal("requests sent (at least)", sent, REQUESTS, at_most=False)
    verdict.goal("error responses", bad, 0)
    verdict.goal("UPDATEs of the keys table", updates, GOAL)
    verdict.exit()


if __name__ == "__main__":
    main()
