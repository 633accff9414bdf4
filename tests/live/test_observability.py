"""Operators' signals on a real 4-worker gunicorn: metrics summed across workers, JSON logs."""

from __future__ import annotations

import json

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.live.servers import WORKERS, wait_until
from tests.support.telephony_helpers import voice_params

TOKEN = "live-metrics-token-0123456789abcdef"
REQUESTS = 40


def readyz_count(server) -> float:
    """Scrape once (whichever worker answers) and return the /readyz 200s counted."""
    response = requests.get(
        server.url("/metrics"), headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == "ringtonic_http_requests_total"
                and labels.get("endpoint") == "ops.readyz"
                and labels.get("status") == "200"
            ):
                return sample.value
    return 0.0


def test_every_worker_counts_into_one_scrape_even_after_a_worker_dies(scene, start_server):
    server = start_server(RINGTONIC_METRICS_TOKEN=TOKEN)
    # Not /healthz: start_server polled that, and a poll that timed out while the workers
    # booted may still be answered (and counted) later.
    for n in range(REQUESTS):
        # A fresh connection each time: gunicorn spreads them over its workers.
        assert requests.get(server.url("/readyz"), timeout=10).status_code == 200
        if n == REQUESTS // 2:
            server.kill_a_worker()
            wait_until(lambda: len(server.worker_pids()) == WORKERS, 30, "a new worker")
    # Each scrape is answered by some worker; every one must report every worker's count,
    # the dead one's included.
    counts = {readyz_count(server) for _ in range(3 * WORKERS)}
    assert counts == {REQUESTS}


def test_json_lines_logs_carry_the_proxys_request_id_and_no_secrets(scene, start_server):
    server = start_server(RINGTONIC_LOG_FORMAT="json", RINGTONIC_TRUSTED_PROXIES="1")
    request_id = "lb-3f0c2a4e-6b1d-4a51"
    # A webhook with a wrong signature: the app logs a warning, gunicorn an access line.
    refused = requests.post(
        server.url(scene.voice_path),
        data=voice_params(),
        headers={"X-Twilio-Signature": "forged", "X-Request-Id": request_id},
        timeout=10,
    )
    secret = scene.reader_keys[0]
    with_key = requests.get(server.url(f"/api/v1/me?api_key={secret}"), timeout=10)
    assert refused.status_code == 403 and refused.headers["X-Request-Id"] == request_id
    assert with_key.status_code == 400  # keys belong in the Authorization header
    server.stop()  # the logs are complete once the workers have exited

    text = server.log()
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert records and all("request_id" in record and "level" in record for record in records)
    mine = [record for record in records if record["request_id"] == request_id]
    assert {record["logger"] for record in mine} == {"ringtonic.hooks.views", "gunicorn.access"}
    warning = next(record for record in mine if record["logger"] == "ringtonic.hooks.views")
    assert warning["level"] == "WARNING" and "bad signature" in warning["message"]
    access = next(record for record in mine if record["logger"] == "gunicorn.access")
    assert f'"POST {scene.voice_path} HTTP/1.1" 403' in access["message"]
    access_lines = [r for r in records if r["logger"] == "gunicorn.access"]
    other = [record for record in access_lines if "/api/v1/me" in record["message"]]
    assert other and other[0]["request_id"] == with_key.headers["X-Request-Id"]
    assert secret[len("ringtonic_") :] not in text
