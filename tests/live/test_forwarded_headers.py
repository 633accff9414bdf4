"""gunicorn as deployed: forwarded headers count only through RINGTONIC_TRUSTED_PROXIES."""

from __future__ import annotations

import requests

# What a client (or a proxy passing the client's headers on) can send from 127.0.0.1.
HTTPS_CLAIMS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Ssl": "on",
    "X-Forwarded-Protocol": "ssl",
}


def test_without_trusted_proxies_a_local_client_cannot_claim_https(start_server):
    # No public URL: the docs page shows the scheme the request was served with only
    # when it may use the request at all, so HSTS is what tells the scheme here.
    server = start_server(RINGTONIC_PUBLIC_URL="")
    response = requests.get(server.url("/docs/api"), headers=HTTPS_CLAIMS, timeout=10)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert "$RINGTONIC_URL/api/v1/me" in response.text


def test_with_a_trusted_proxy_its_https_counts(start_server):
    server = start_server(RINGTONIC_PUBLIC_URL="", RINGTONIC_TRUSTED_PROXIES="1")
    secure = requests.get(
        server.url("/docs/api"), headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    # wsgi.url_scheme is https: the page's own address says so.
    assert f"https://127.0.0.1:{server.port}/api/v1/me" in secure.text
    plain = requests.get(server.url("/docs/api"), timeout=10)
    assert "Strict-Transport-Security" not in plain.headers
    assert f"http://127.0.0.1:{server.port}/api/v1/me" in plain.text
