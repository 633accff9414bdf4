"""The app shell, error pages and security headers."""

from __future__ import annotations

from tests.support.web_client import sign_in


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    for url in (
        "/",
        "/calls",
        "/campaigns",
        "/numbers",
        "/settings/profile",
        "/settings/workspaces",
        "/settings/plan",
        "/nope",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html, url


def test_signed_in_pages_are_not_cached(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_shell_has_navigation_and_workspace_switcher(client, make_account):
    _, user, workspace = make_account()
    sign_in(client, user.email)
    html = client.get("/").get_data(as_text=True)
    for label in ("Dashboard", "Calls", "Campaigns", "Numbers", "Settings"):
        assert f">{label}</a>" in html
    assert f'<option value="{workspace.uuid}" selected>' in html


def test_404_page_in_house_style(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "does not exist" in html and "app.css" in html


def test_500_page_hides_the_error(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "secret internals" not in html


def test_api_paths_get_problem_json_errors(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_found"


def test_healthz_answers_without_auth(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
