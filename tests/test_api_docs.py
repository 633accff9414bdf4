"""The public /docs/api page: how to get a key, a curl example, every error code."""

from __future__ import annotations

from markupsafe import escape

from ringtonic.api.errors import PROBLEMS


def test_api_docs_are_public_and_explain_authentication(client):
    response = client.get("/docs/api")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for heading in ("Authentication", "Your first request", "Errors", "Endpoints"):
        assert f">{heading}</h2>" in page
    assert "Settings → API Keys" in page
    assert "curl http://localhost/api/v1/me" in page
    assert '-H "Authorization: Bearer $RINGTONIC_API_KEY"' in page
    assert '-H "Accept: application/json"' in page


def test_api_docs_list_every_error_code_with_what_to_do(client):
    page = client.get("/docs/api").get_data(as_text=True)
    for code, kind in PROBLEMS.items():
        assert f'<tr id="error-{code}">' in page
        assert str(escape(kind.advice)) in page
    assert "Create a new key" in PROBLEMS["revoked_api_key"].advice


def test_api_docs_use_the_public_url_when_configured(app_config):
    from ringtonic import create_app

    app_config["RINGTONIC_PUBLIC_URL"] = "https://calls.example.com"
    page = create_app(app_config).test_client().get("/docs/api").get_data(as_text=True)
    assert "curl https://calls.example.com/api/v1/me" in page
