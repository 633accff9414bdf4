"""Strict-Transport-Security: sent when the app is served over HTTPS, never on a client's word."""

from __future__ import annotations

import pytest

from ringtonic import create_app

HTTPS_CLAIMS = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"}


def client_for(app_config, **settings):
    app_config.update(settings)
    return create_app(app_config).test_client()


def test_plain_http_gets_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_a_client_claiming_https_without_a_trusted_proxy_gets_no_hsts(client):
    response = client.get("/login", headers=HTTPS_CLAIMS)
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/login", "/docs/api", "/healthz", "/api/v1/me"])
def test_secure_cookies_mean_https_so_every_answer_carries_hsts(app_config, path):
    client = client_for(app_config, SESSION_COOKIE_SECURE=True)
    response = client.get(path)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_https_reported_by_a_trusted_proxy_gets_hsts(app_config):
    client = client_for(app_config, RINGTONIC_TRUSTED_PROXIES=1)
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = client.get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


def test_real_https_gets_hsts(client):
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
