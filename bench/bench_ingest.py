"""Benchmark 5: signed Twilio voice + status webhook pairs per second, 4 senders.

Each sender is a process that posts, for every call, the voice webhook and then the
status callback, signed as Twilio signs them. The load generator is Python, not wrk:
every request carries its own HMAC signature over a unique CallSid, which wrk cannot
compute; the signatures are computed before the clock starts, so the client only sends.
The same client sending GET /healthz is the baseline. Checks: no error responses, no
"database is locked" in the server log, every call stored exactly once with its final
status, and the rollups counting each of them once, as answered.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import time
import uuid
import zlib
from urllib.parse import urlencode

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bench.common import ROUNDS, Server, Verdict, ensure_postgres, median
from bench.seed import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, bench_app, bench_database
from ringtonic.extensions import db
from ringtonic.models import Call, CallSourceRollup, Workspace

SENDERS = 4
PAIRS = int(os.environ.get("BENCH_INGEST_PAIRS", "150"))  # per sender per round


def _signed_pairs(server: Server, info: dict, tag: str) -> list[tuple[str, bytes, dict]]:
    """Return one sender's requests: voice then status for PAIRS new calls, pre-signed."""
    validator = RequestValidator(TWILIO_AUTH_TOKEN)
    workspace = info["workspace_uuid"]
    requests = []
    for n in range(PAIRS):
        sid = f"CAbench{tag}{n:06d}"
        caller = f"+1512{zlib.crc32(sid.encode()) % 8_000_000 + 2_000_000}"
        voice = {
            "CallSid": sid,
            "AccountSid": TWILIO_ACCOUNT_SID,
            "From": caller,
            "To": info["tracking_numbers"][n % len(info["tracking_numbers"])],
            "CallStatus": "ringing",
            "Direction": "inbound",
            "FromCity": "AUSTIN",
            "FromState": "TX",
            "FromZip": "78701",
            "FromCountry": "US",
        }
        # Dial's action when the caller hangs up first: answered, the dialed leg's 42 s.
        status = {**voice, "CallStatus": "completed",
                  "DialCallStatus": "completed", "DialCallDuration": "42"}  # fmt: skip
        for kind, params in (("voice", voice), ("status", status)):
            path = f"/hooks/twilio/{kind}/{workspace}"
            signature = validator.compute_signature(server.base + path, params)
            headers = {
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            requests.append((path, urlencode(params).encode(), headers))
    return requests


def _send(port: int, requests: list, barrier, errors) -> None:
    barrier.wait()
    for path, body, headers in requests:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        method = "POST" if body else "GET"
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            errors.put(f"{path} {response.status}")
        connection.close()


def _timed(port: int, batches: list[list]) -> tuple[float, list[str]]:
    """Send every batch from its own process at once; return (seconds, errors)."""
    context = multiprocessing.get_context("fork")
    barrier, errors = context.Barrier(len(batches) + 1), context.Queue()
    senders = [context.Process(target=_send, args=(port, b, barrier, errors)) for b in batches]
    for sender in senders:
        sender.start()
    barrier.wait()
    began = time.perf_counter()
    for sender in senders:
        sender.join()
    elapsed = time.perf_counter() - began
    found = []
    while not errors.empty():
        found.append(errors.get())
    return elapsed, found


def _stored(database) -> dict[str, int]:
    app = bench_app(database.url)
    with app.app_context():
        workspace = db.session.scalar(select(Workspace).where(
            Workspace.uuid == uuid.UUID(database.info["workspace_uuid"])))  # fmt: skip
        bench_calls = select(Call).where(Call.provider_call_id.like("CAbench%")).subquery()
        counted = db.session.execute(
            select(
                func.sum(CallSourceRollup.answered_calls),
                func.sum(CallSourceRollup.ringing_calls + CallSourceRollup.in_progress_calls),
            ).where(
                CallSourceRollup.workspace_id == workspace.id,
                CallSourceRollup.block_seconds == 86400,
            )  # fmt: skip
        ).one()
        return {
            "calls": db.session.scalar(select(func.count()).select_from(bench_calls)),
            "answered": db.session.scalar(
                select(func.count())
                .select_from(bench_calls)
                .where(bench_calls.c.status == "answered", bench_calls.c.duration_seconds == 42)
            ),  # fmt: skip
            "rollup answered": int(counted[0] or 0),
            "rollup unfinished": int(counted[1] or 0),
        }


def main() -> None:
    ensure_postgres()
    verdict = Verdict(f"Ingest: signed voice + status pairs, {SENDERS} concurrent senders")
    database = bench_database(0, writable=True)
    healthz = [("/healthz", b"", {})] * (2 * PAIRS)
    rates: dict[str, list[float]] = {"healthz": [], "ingest": []}
    errors: list[str] = []
    with Server(database) as server:
        for round_number in range(ROUNDS):
            elapsed, found = _timed(server.port, [healthz] * SENDERS)
            rates["healthz"].append(SENDERS * len(healthz) / elapsed)
            batches = [
                _signed_pairs(server, database.info, f"{round_number}x{s}") for s in range(SENDERS)
            ]
            elapsed, found_ingest = _timed(server.port, batches)
            rates["ingest"].append(SENDERS * 2 * PAIRS / elapsed)
            errors += found + found_ingest
        locked = server.log().count("database is locked")
    stored = _stored(database)
    sent = ROUNDS * SENDERS * PAIRS
    ingest, baseline = median(rates["ingest"]), median(rates["healthz"])
    verdict.figure("GET /healthz requests/s (same client)", baseline, "req/s")
    verdict.figure("webhook requests/s", ingest, "req/s")
    verdict.figure("voice + status pairs/s", ingest / 2, "pairs/s")
    verdict.figure("ratio webhook requests / healthz requests", ingest / baseline, "")
    verdict.goal("error responses", len(errors), 0)
    verdict.goal('"database is locked" in the server log', locked, 0)
    verdict.goal(f"calls stored of {sent:,} sent, missing", sent - stored["calls"], 0)
    verdict.goal("calls not answered with their final duration", sent - stored["answered"], 0)
    verdict.goal("rollups: answered calls miscounted", abs(sent - stored["rollup answered"]), 0)
    verdict.goal("rollups: calls still counted as ringing", stored["rollup unfinished"], 0)
    verdict.exit()


if __name__ == "__main__":
    main()
