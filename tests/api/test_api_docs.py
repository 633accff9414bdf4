"""The public /docs/api page: guides, every error code, each operation of the OpenAPI document."""

from __future__ import annotations

import json
import re

from markupsafe import escape

from ringtonic.api.errors import PROBLEMS
from ringtonic.api.openapi import build_openapi
from ringtonic.api.openapi_examples import EXAMPLES
from tests.support.web_client import sign_in

GUIDES = (
    "Authentication",
    "Your first request",
    "Errors",
    "Pagination",
    "Rate limits",
    "Dates and time zones",
    "Endpoints",
)


def docs_page(client) -> str:
    response = client.get("/docs/api")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def operation_html(page: str, operation_id: str) -> str:
    match = re.search(
        rf'<article class="card docs-op" id="{operation_id}">(.*?)</article>', page, re.S
    )
    assert match, operation_id
    return match.group(1)


def test_api_docs_are_public_with_every_guide(client):
    page = docs_page(client)
    for heading in GUIDES:
        assert f">{heading}</h2>" in page
    assert "Settings → API Keys" in page
    assert 'href="/api/v1/openapi.json"' in page
    first = '''curl -H "Authorization: Bearer $RINGTONIC_API_KEY" \\
  -H "Accept: application/json" \\
  "$RINGTONIC_URL/api/v1/me"'''
    assert str(escape(first)) in page


def test_api_docs_list_every_error_code_with_what_to_do(client):
    page = docs_page(client)
    for code, kind in PROBLEMS.items():
        assert f'<tr id="error-{code}">' in page
        assert str(escape(kind.advice)) in page
    assert "Create a new key" in PROBLEMS["revoked_api_key"].advice


def test_api_docs_explain_rate_limit_headers_and_pagination(client):
    page = docs_page(client)
    for header in ("RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining"):
        assert f"<code>{header}</code>" in page
    assert "<code>Retry-After</code>" in page
    assert "<code>next_cursor</code>" in page and 'rel="next"' in page


def test_every_operation_of_the_document_is_rendered(client):
    page = docs_page(client)
    document = build_openapi()
    rendered = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            html = operation_html(page, operation["operationId"])
            assert f">{method.upper()}</span> <code>/api/v1{path}</code>" in html
            assert str(escape(operation["summary"])) in html
            for parameter in operation["parameters"]:
                assert f"<td><code>{parameter['name']}</code></td>" in html
            assert "curl " in html and "$RINGTONIC_URL/api/v1" in html
            rendered += 1
    assert rendered == sum(len(item) for item in document["paths"].values())


def test_an_operation_shows_its_parameters_example_response_and_curl(client):
    html = operation_html(docs_page(client), "getCampaignGeoData")
    assert "<td><code>campaign_uuid</code></td>\n            <td>path</td>" in html
    assert "<td>date or date-time</td>" in html
    statuses = "missed-all, ringing, in-progress, answered, missed, busy, failed, voicemail"
    assert f"one of {statuses}" in html
    example = json.dumps(EXAMPLES["GeoData"], indent=2, ensure_ascii=False)
    assert str(escape(example)) in html
    curl = (
        'curl -H "Authorization: Bearer $RINGTONIC_API_KEY" \\\n'
        '  -H "Accept: application/json" \\\n'
        f'  "$RINGTONIC_URL/api/v1/campaigns/{EXAMPLES["Campaign"]["uuid"]}/geo-data'
        '?start_date=2026-11-01&end_date=2026-11-27&time_zone=America/Chicago"'
    )
    assert str(escape(curl)) in html
    assert 'href="#error-not_found"' in html


def test_write_and_public_operations_show_how_they_differ(client):
    page = docs_page(client)
    patch = operation_html(page, "updateCall")
    assert "curl -X PATCH" in patch and "Content-Type: application/json" in patch
    assert 'href="#error-insufficient_ability"' in patch
    public = operation_html(page, "getOpenApi")
    assert "No key needed" in public and "Authorization" not in public


def test_api_docs_use_the_public_url_when_configured(app_config):
    from ringtonic import create_app

    app_config["RINGTONIC_PUBLIC_URL"] = "https://calls.example.com"
    page = create_app(app_config).test_client().get("/docs/api").get_data(as_text=True)
    assert str(escape('"https://calls.example.com/api/v1/me"')) in page
    assert 'href="https://calls.example.com/api/v1/openapi.json"' in page


def test_api_docs_never_write_the_host_a_client_sent(client):
    response = client.get("/docs/api", headers={"Host": "keys.attacker.example"})
    page = response.get_data(as_text=True)
    assert "attacker" not in page
    assert str(escape('"$RINGTONIC_URL/api/v1/me"')) in page
    assert "export RINGTONIC_URL=" in page


def test_api_docs_use_the_host_a_trusted_proxy_reports_and_stay_out_of_shared_caches(
    app_config,
):
    from ringtonic import create_app

    app_config["RINGTONIC_TRUSTED_PROXIES"] = 1
    client = create_app(app_config).test_client()
    response = client.get(
        "/docs/api",
        headers={"X-Forwarded-Host": "calls.example.org", "X-Forwarded-Proto": "https"},
    )
    page = response.get_data(as_text=True)
    assert str(escape('"https://calls.example.org/api/v1/me"')) in page
    assert "RINGTONIC_URL" not in page
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert {"Host", "X-Forwarded-Host"} <= set(response.vary)


def test_api_docs_need_no_script_or_inline_style(client):
    page = docs_page(client)
    assert "<script>" not in page and " style=" not in page
    assert not re.search(r"<[^>]+\son[a-z]+=", page)


def test_settings_api_keys_links_to_the_reference(client, make_account):
    _, admin, _ = make_account(plan="agency")
    sign_in(client, admin.email)
    assert 'href="/docs/api"' in client.get("/settings/api-keys").get_data(as_text=True)
