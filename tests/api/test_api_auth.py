"""Bearer authentication on /api/v1: every answer, plan gating, isolation, abilities."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringtonic.api.auth import bearer_credentials, requires_ability
from ringtonic.api.errors import ApiProblem
from ringtonic.extensions import db
from ringtonic.models import ApiKey
from ringtonic.services.accounts.accounts import set_plan
from ringtonic.services.accounts.workspaces import create_workspace
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.keys.api_keys import generate_api_key, is_well_formed, revoke_api_key
from tests.support.keys import api_get, bearer, issue_key, recorded_statements
from tests.support.web_client import sign_in


@pytest.fixture
def app_config(app_config):
    """The usual config, with room for hundreds of deliberate failures from one address."""
    app_config["RINGTONIC_API_AUTH_FAILURE_LIMIT"] = "100000 per minute"
    return app_config


@pytest.fixture
def agency(make_account):
    """An Agency account's admin and workspace, with a read-only key."""
    account, user, workspace = make_account(plan="agency", company="Acme SEO")
    return account, user, workspace, issue_key(workspace, user, name="SEO Utils Integration")


BARE_CHALLENGE = 'Bearer realm="ringtonic"'
INVALID_TOKEN = 'Bearer realm="ringtonic", error="invalid_token", error_description="{}"'
# RFC 6750 section 3: no Bearer token sent, no error; a token sent and refused, invalid_token.
CHALLENGES = {
    "missing_api_key": {BARE_CHALLENGE},
    "invalid_api_key": {BARE_CHALLENGE, INVALID_TOKEN.format("API key not valid")},
    "revoked_api_key": {INVALID_TOKEN.format("API key revoked")},
}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status
    assert body["title"] and body["detail"] and body["type"].endswith(code)
    if status == 401:
        assert response.headers["WWW-Authenticate"] in CHALLENGES[code]
    # Each answer has its own id; without it, answers to different requests compare equal.
    assert body.pop("request_id") == response.headers["X-Request-Id"]
    return body


def test_me_describes_the_workspace_account_and_key(client, agency):
    _, _, workspace, secret = agency
    response = api_get(client, "/api/v1/me", secret)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["workspace"] == {
        "uuid": str(workspace.uuid),
        "name": "Acme SEO",
        "time_zone": workspace.time_zone,
    }
    assert body["account"] == {"name": "Acme SEO", "plan": "agency"}
    assert body["api_key"]["name"] == "SEO Utils Integration"
    assert body["api_key"]["hint"] == "ringtonic_…" + secret[-4:]
    assert body["api_key"]["access"] == "read"
    assert body["api_key"]["created_at"].endswith("Z")
    assert secret not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_no_authorization_header_is_missing_api_key(client, agency):
    assert_problem(client.get("/api/v1/me"), 401, "missing_api_key")
    assert_problem(
        client.get("/api/v1/me", headers={"Authorization": "  "}), 401, "missing_api_key"
    )


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Token {key}",
        "Basic {key}",
        "{key}",
        "Bearer",
        "Bearer ",
        "Bearer ringtonic_short",
        "Bearer {key} extra",
        "Bearer {key}x",
        "Bearer {bad_checksum}",
        "Bearer {unknown}",
        "Bearer {key_lowercased}",
    ],
)
def test_other_schemes_malformed_and_unknown_keys_are_invalid_api_key(client, agency, header):
    secret = agency[3]
    flipped = "A" if secret[-1] != "A" else "B"
    value = header.format(
        key=secret,
        bad_checksum=secret[:-1] + flipped,
        unknown=generate_api_key(),
        key_lowercased=secret.lower(),
    )
    response = client.get("/api/v1/me", headers={"Authorization": value})
    assert_problem(response, 401, "invalid_api_key")
    # A Bearer token was sent and refused: RFC 6750's invalid_token, which tells clients
    # (and OAuth-minded libraries) not to retry with the same key.
    sent_a_token = value.split(None, 1)[0].lower() == "bearer" and len(value.split(None, 1)) > 1
    expected = INVALID_TOKEN.format("API key not valid") if sent_a_token else BARE_CHALLENGE
    assert response.headers["WWW-Authenticate"] == expected


@pytest.mark.parametrize(
    "header", [None, "", "Basic dXNlcjpwYXNz", "Token {key}", "{key}", "Bearer", "Bearer  "]
)
def test_a_request_without_a_bearer_token_gets_the_bare_challenge(client, agency, header):
    headers = {} if header is None else {"Authorization": header.format(key=agency[3])}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ringtonic"'


@pytest.mark.parametrize(
    "template", ["bearer {}", "BEARER {}", "  Bearer   {}  ", "\tBearer\t{}\t", "bEaReR {}"]
)
def test_scheme_is_case_insensitive_and_surrounding_spaces_are_tolerated(client, agency, template):
    secret = agency[3]
    response = client.get("/api/v1/me", headers={"Authorization": template.format(secret)})
    assert response.status_code == 200


def test_malformed_keys_and_bad_checksums_never_reach_the_database(client, agency):
    secret = agency[3]
    flipped = "A" if secret[-2] != "A" else "B"
    for value in ("Bearer nope", f"Bearer {secret[:-2]}{flipped}{secret[-1]}", "Token x"):
        with recorded_statements() as statements:
            assert client.get("/api/v1/me", headers={"Authorization": value}).status_code == 401
        assert statements == [], value


def test_authentication_is_one_query_for_key_workspace_and_account(client, agency):
    secret = agency[3]
    with recorded_statements() as statements:
        assert api_get(client, "/api/v1/me", secret).status_code == 200
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1
    tables = ("api_keys", "workspaces", "accounts", "api_key_generations")
    assert all(table in reads[0] for table in tables)


def test_revoked_key_is_refused_from_the_next_request(client, agency):
    _, user, workspace, secret = agency
    assert api_get(client, "/api/v1/me", secret).status_code == 200
    key = db.session.query(ApiKey).one()
    revoke_api_key(workspace, str(key.uuid), user)
    db.session.commit()
    refused = api_get(client, "/api/v1/me", secret)
    body = assert_problem(refused, 401, "revoked_api_key")
    assert "create a new key" in body["detail"].lower()
    assert refused.headers["WWW-Authenticate"] == (
        'Bearer realm="ringtonic", error="invalid_token", error_description="API key revoked"'
    )


def test_indie_account_keys_answer_plan_required_and_work_again_after_upgrade(client, agency):
    account, _, _, secret = agency
    set_plan(account, "indie")
    db.session.commit()
    refused = api_get(client, "/api/v1/me", secret)
    body = assert_problem(refused, 403, "plan_required")
    assert "Agency" in body["detail"]
    # The key is fine; the plan is not something a token scope could grant.
    assert "WWW-Authenticate" not in refused.headers
    set_plan(account, "agency")
    db.session.commit()
    assert api_get(client, "/api/v1/me", secret).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "api_key={key}",
        "key={key}",
        "token=anything",
        "access_token=x",
        "API_KEY=x",
        "q={key}",
        "filter=+{key}",
        "{key}",
    ],
)
def test_key_in_the_query_string_is_refused_even_with_a_good_header(client, agency, query):
    secret = agency[3]
    response = api_get(client, f"/api/v1/me?{query.format(key=secret)}", secret)
    body = assert_problem(response, 400, "api_key_in_query")
    assert "Authorization header" in body["detail"]
    assert secret not in response.get_data(as_text=True)


def test_ordinary_query_parameters_are_not_mistaken_for_keys(client, agency):
    response = api_get(client, "/api/v1/calls?limit=5&state=ringtonic", agency[3])
    assert response.status_code == 200
    # An unknown name that merely looks like "token" is an unknown parameter, not a key.
    unknown = api_get(client, "/api/v1/me?tokenizer=ringtonic", agency[3])
    assert assert_problem(unknown, 400, "validation_error")["field"] == "tokenizer"


def test_signed_in_browser_cookie_is_ignored_by_the_api(client, agency):
    _, user, _, secret = agency
    sign_in(client, user.email)
    assert client.get("/settings/profile").status_code == 200  # the cookie works for pages
    api_get(client, "/api/v1/me", secret)  # records the last use, so the next requests only read
    with recorded_statements() as statements:
        response = client.get("/api/v1/me")
    assert_problem(response, 401, "missing_api_key")
    assert statements == []  # the signed-in user was never loaded from the cookie
    assert "Set-Cookie" not in response.headers
    with recorded_statements() as statements:
        with_key = api_get(client, "/api/v1/me", secret)
    assert with_key.status_code == 200 and "Set-Cookie" not in with_key.headers
    assert len(statements) == 1 and "users" not in statements[0]


def test_a_key_reads_only_its_own_workspace(client, agency, make_account):
    account, user, home, home_secret = agency
    second = create_workspace(account, "Austin Plumbing Co.", "America/Chicago")
    db.session.commit()
    second_secret = issue_key(second, user, name="Plumbing CRM")
    _, other_user, other_workspace = make_account(plan="agency", company="Rival Agency")
    other_secret = issue_key(other_workspace, other_user)
    seen = {
        secret: api_get(client, "/api/v1/me", secret).get_json()["workspace"]["uuid"]
        for secret in (home_secret, second_secret, other_secret)
    }
    assert seen == {
        home_secret: str(home.uuid),
        second_secret: str(second.uuid),
        other_secret: str(other_workspace.uuid),
    }


def _probe_app(app):
    """Add test-only endpoints to the API blueprint ("api." names get its hooks and handlers)."""

    @requires_ability("write")
    def write():
        return {"written": True}

    def missing():
        raise NotFound("No call with this id.")

    def invalid():
        raise ValidationError("limit must be between 1 and 200.", "limit")

    app.add_url_rule("/api/v1/probe/write", "api.probe_write", write, methods=["POST"])
    app.add_url_rule("/api/v1/probe/missing", "api.probe_missing", missing)
    app.add_url_rule("/api/v1/probe/invalid", "api.probe_invalid", invalid)


def test_write_endpoints_refuse_read_only_keys(app, client, agency):
    _, user, workspace, read_only = agency
    read_write = issue_key(workspace, user, access="read_write", name="CRM sync")
    _probe_app(app)
    refused = client.post("/api/v1/probe/write", headers=bearer(read_only))
    body = assert_problem(refused, 403, "insufficient_ability")
    assert "Read and write" in body["detail"]
    assert refused.headers["WWW-Authenticate"] == (
        'Bearer realm="ringtonic", error="insufficient_scope", '
        'error_description="Key is read-only", scope="write"'
    )
    # No CSRF token either: the API is judged on its key alone.
    allowed = client.post("/api/v1/probe/write", headers=bearer(read_write))
    assert allowed.status_code == 200 and allowed.get_json() == {"written": True}


def test_write_endpoints_still_need_a_key(app, client, agency):
    _probe_app(app)
    assert_problem(client.post("/api/v1/probe/write"), 401, "missing_api_key")


def test_service_errors_become_problems_with_stable_codes(app, client, agency):
    _probe_app(app)
    assert_problem(api_get(client, "/api/v1/probe/missing", agency[3]), 404, "not_found")
    body = assert_problem(
        api_get(client, "/api/v1/probe/invalid", agency[3]), 400, "validation_error"
    )
    assert body["field"] == "limit" and body["detail"].startswith("limit must be")


_HEADER_CHARS = st.characters(min_codepoint=32, max_codepoint=255, include_characters="\t")


def _mutations(secret: str):
    return st.tuples(st.integers(min_value=0, max_value=len(secret) - 1), _HEADER_CHARS).filter(
        lambda change: secret[change[0]] != change[1]
    )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_authorization_headers_are_never_accepted_and_never_a_server_error(
    client, agency, data
):
    secret = agency[3]
    mutated = _mutations(secret).map(lambda c: secret[: c[0]] + c[1] + secret[c[0] + 1 :])
    header = data.draw(
        st.one_of(
            st.text(_HEADER_CHARS, max_size=120),
            st.text(_HEADER_CHARS, max_size=80).map(lambda t: "Bearer " + t),
            st.tuples(st.sampled_from(["Bearer", "bearer", "Basic", "Token", ""]), mutated).map(
                " ".join
            ),
        )
    )
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401, (header, response.status_code)
    assert response.get_json()["code"] in {"missing_api_key", "invalid_api_key"}


@settings(max_examples=3000)
@given(st.text(_HEADER_CHARS, max_size=120))
def test_random_headers_never_yield_a_well_formed_key(header):
    try:
        credentials = bearer_credentials(header)
    except ApiProblem as problem:
        assert problem.code in {"missing_api_key", "invalid_api_key"}
    else:
        assert header.strip().lower().startswith("bearer")
        assert not is_well_formed(credentials)
