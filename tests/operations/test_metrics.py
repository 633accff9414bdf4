"""/metrics: Prometheus' text format for the holder of RINGTONIC_METRICS_TOKEN only.

In one process (these tests) the counters live in memory; tests/live/test_observability.py
proves gunicorn's multi-process mode. Counters only grow, so each test compares before/after.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from ringtonic import create_app
from ringtonic.config import ConfigError, from_environment
from ringtonic.extensions import db
from ringtonic.models import PhoneNumber
from ringtonic.models.types import utcnow
from ringtonic.models.website import NumberLease, VisitorSession
from ringtonic.observability import metrics
from tests.support.keys import api_get, issue_key
from tests.support.telephony_helpers import (
    add_tracking_number,
    connect_twilio,
    post_signed,
    voice_params,
)
from tests.support.website import add_pool

TOKEN = "metrics-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def scraper(app_config):
    app_config["RINGTONIC_METRICS_TOKEN"] = TOKEN
    app = create_app(app_config)
    return app.test_client()


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Return every sample as {(name, sorted labels): value}, parsed by the client library."""
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_off_without_a_token(client):
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-0123456789abcdef", f"Basic {TOKEN}"])
def test_refused_without_the_right_token(scraper, header):
    headers = {"Authorization": header} if header else {}
    response = scraper.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_metrics_token"
    assert "ringtonic_http" not in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["short", "has a space in it 0123456789"])
def test_a_weak_token_is_a_configuration_error(tmp_path, token):
    with pytest.raises(ConfigError, match="RINGTONIC_METRICS_TOKEN"):
        from_environment(
            {"RINGTONIC_ENV": "development", "RINGTONIC_METRICS_TOKEN": token}, tmp_path
        )


def test_requests_are_counted_by_endpoint_and_status_with_latency(scraper):
    before = scrape(scraper)
    for _ in range(3):
        assert scraper.get("/healthz").status_code == 200
    assert scraper.get("/no-such-page-1").status_code == 404
    assert scraper.get("/no-such-page-2").status_code == 404
    after = scrape(scraper)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert (
        delta("ringtonic_http_requests_total", endpoint="web.healthz", method="GET", status="200")
        == 3
    )
    # Unknown paths share one series: a scan cannot create a series per path.
    assert (
        delta("ringtonic_http_requests_total", endpoint="unmatched", method="GET", status="404")
        == 2
    )
    assert (
        delta("ringtonic_http_request_duration_seconds_count", endpoint="web.healthz", method="GET")
        == 3
    )
    assert (
        delta(
            "ringtonic_http_request_duration_seconds_bucket",
            endpoint="web.healthz",
            method="GET",
            le="+Inf",
        )
        == 3
    )


def test_webhooks_are_counted_by_outcome(scraper, make_account):
    _, _, workspace = make_account(plan="agency")
    connect_twilio(workspace)
    add_tracking_number(workspace)
    voice = f"/hooks/twilio/voice/{workspace.uuid}"
    before = scrape(scraper)
    assert post_signed(scraper, voice, voice_params("CA" + "1" * 32)).status_code == 200
    assert (
        post_signed(scraper, voice, voice_params("CA" + "2" * 32, To="+15125550999")).status_code
        == 200
    )
    assert post_signed(scraper, voice, voice_params(), token="f" * 32).status_code == 403
    after = scrape(scraper)
    for outcome, count in (("stored", 1), ("unknown_number", 1), ("bad_signature", 1)):
        labels = {"kind": "voice", "outcome": outcome}
        assert (
            value(after, "ringtonic_webhook_ingest_total", **labels)
            - value(before, "ringtonic_webhook_ingest_total", **labels)
            == count
        ), outcome


def test_api_quota_refusals_are_counted(app_config, make_account):
    app_config.update(RINGTONIC_METRICS_TOKEN=TOKEN, RINGTONIC_API_RATE_LIMITS="2 per minute")
    client = create_app(app_config).test_client()
    _, user, workspace = make_account(plan="agency")
    key = issue_key(workspace, user)
    before = value(scrape(client), "ringtonic_rate_limit_refusals_total", scope="api-key")
    statuses = [api_get(client, "/api/v1/me", key).status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    after = value(scrape(client), "ringtonic_rate_limit_refusals_total", scope="api-key")
    assert after - before == 2


def test_tracking_pool_use_and_queue_depth_are_read_at_scrape_time(scraper, make_account):
    _, _, workspace = make_account(plan="agency")
    pool = add_pool(workspace, 4)
    now = utcnow()
    visit = VisitorSession(workspace_id=workspace.id, visitor_id=workspace.uuid)
    db.session.add(visit)
    db.session.flush()
    number_ids = list(
        db.session.scalars(
            select(PhoneNumber.id).where(PhoneNumber.campaign_id == pool.campaign.id)
        )
    )
    # One held now, one whose lease and cooldown ran out an hour ago.
    free_at_times = (now + timedelta(minutes=30), now - timedelta(hours=1))
    for number_id, free_at in zip(number_ids[:2], free_at_times, strict=True):
        db.session.add(
            NumberLease(
                phone_number_id=number_id,
                workspace_id=workspace.id,
                session_id=visit.id,
                leased_at=now - timedelta(hours=2),
                free_at=free_at,
            )
        )
    db.session.commit()
    metrics.register_queue("test-outbox", lambda: 7)
    try:
        samples = scrape(scraper)
    finally:
        metrics.unregister_queue("test-outbox")
    assert value(samples, "ringtonic_tracking_pool_numbers") == 4
    assert value(samples, "ringtonic_tracking_pool_leased_numbers") == 1
    assert value(samples, "ringtonic_tracking_pool_utilisation_ratio") == 0.25
    assert value(samples, "ringtonic_background_queue_depth", queue="test-outbox") == 7
