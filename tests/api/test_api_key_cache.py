"""Keys verified once per process: every change a cached key could miss is seen at once.

Each worker keeps the keys it verified in memory; an account's key generation, bumped in
the transaction of every change that could alter what a key may do, tells every worker
(and host) to read the key again on its very next request. Two apps on one database
stand for two workers here; the live-server tests check real workers and hosts.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ringtonic import create_app
from ringtonic.api.auth import verified_keys_of
from ringtonic.config import DATABASE_STORAGE_SCHEME
from ringtonic.extensions import db
from ringtonic.models import ApiKey, User
from ringtonic.services.accounts.accounts import set_plan
from ringtonic.services.accounts.passwords import hash_password
from ringtonic.services.accounts.team import change_role, remove_member
from ringtonic.services.accounts.workspaces import update_workspace
from ringtonic.services.keys.api_keys import generate_api_key, revoke_api_key
from ringtonic.services.keys.generations import key_generation
from tests.support.api_support import assert_problem
from tests.support.keys import api_get, bearer, issue_key, recorded_statements
from tests.support.web_client import PASSWORD


@pytest.fixture
def other_worker(app_config):
    """A second app on the same database: another worker, with a cache of its own."""
    return create_app(dict(app_config)).test_client()


@pytest.fixture
def agency(make_account):
    account, admin, workspace = make_account(plan="agency", company="Acme SEO")
    manager = User(
        account_id=account.id,
        email="manager@example.com",
        password_hash=hash_password(PASSWORD),
        role="manager",
    )
    db.session.add(manager)
    db.session.commit()
    secret = issue_key(workspace, manager, access="read_write", name="CRM sync")
    return account, admin, manager, workspace, secret


def _warm(secret: str, *clients) -> None:
    """Have every worker verify (and so cache) the key."""
    for client in clients:
        assert api_get(client, "/api/v1/me", secret).status_code == 200


def _key() -> ApiKey:
    return db.session.scalars(select(ApiKey)).one()


def test_a_revoked_cached_key_is_refused_by_every_worker_on_the_next_request(
    client, other_worker, agency
):
    _, admin, _, workspace, secret = agency
    _warm(secret, client, other_worker)
    revoke_api_key(workspace, str(_key().uuid), admin)
    db.session.commit()
    for worker in (client, other_worker):
        assert_problem(api_get(worker, "/api/v1/me", secret), 401, "revoked_api_key")


def test_a_deleted_cached_key_is_unknown_on_the_next_request(client, other_worker, agency):
    secret = agency[4]
    _warm(secret, client, other_worker)
    db.session.delete(_key())
    db.session.commit()
    for worker in (client, other_worker):
        assert_problem(api_get(worker, "/api/v1/me", secret), 401, "invalid_api_key")


def test_a_plan_downgrade_reaches_cached_keys_and_an_upgrade_brings_them_back(
    client, other_worker, agency
):
    account, _, _, _, secret = agency
    _warm(secret, client, other_worker)
    set_plan(account, "indie")
    db.session.commit()
    for worker in (client, other_worker):
        assert_problem(api_get(worker, "/api/v1/me", secret), 403, "plan_required")
    set_plan(account, "agency")
    db.session.commit()
    _warm(secret, client, other_worker)


def test_demoting_the_keys_creator_makes_cached_keys_read_only_at_once(
    client, other_worker, agency
):
    account, admin, manager, _, secret = agency
    _warm(secret, client, other_worker)
    change_role(account, manager, "member", admin, None)
    db.session.commit()
    for worker in (client, other_worker):
        assert api_get(worker, "/api/v1/me", secret).get_json()["api_key"]["access"] == "read"


def test_removing_the_keys_creator_revokes_cached_keys_at_once(client, other_worker, agency):
    account, admin, manager, _, secret = agency
    _warm(secret, client, other_worker)
    remove_member(account, manager, admin, None, revoke_keys=True)
    db.session.commit()
    for worker in (client, other_worker):
        assert_problem(api_get(worker, "/api/v1/me", secret), 401, "revoked_api_key")


def test_workspace_and_account_changes_reach_cached_keys(client, other_worker, agency):
    account, admin, _, workspace, secret = agency
    _warm(secret, client, other_worker)
    update_workspace(workspace, "Acme Plumbing", "America/Chicago", admin)
    account.name = "Acme Holdings"
    db.session.commit()
    for worker in (client, other_worker):
        body = api_get(worker, "/api/v1/me", secret).get_json()
        assert body["workspace"]["name"] == "Acme Plumbing"
        assert body["workspace"]["time_zone"] == "America/Chicago"
        assert body["account"]["name"] == "Acme Holdings"


def test_a_change_rolled_back_leaves_the_generation_and_the_cache_alone(client, agency):
    account, admin, _, workspace, secret = agency
    _warm(secret, client)
    before = key_generation(account.id)
    revoke_api_key(workspace, str(_key().uuid), admin)
    db.session.flush()
    db.session.rollback()
    assert key_generation(account.id) == before
    assert api_get(client, "/api/v1/me", secret).status_code == 200


def test_last_use_and_new_keys_do_not_invalidate_cached_keys(client, agency):
    account, _, manager, workspace, secret = agency
    _warm(secret, client)
    before = key_generation(account.id)
    issue_key(workspace, manager, name="Another")
    assert key_generation(account.id) == before
    assert _key_named("CRM sync").last_used_at is not None


def _key_named(name: str) -> ApiKey:
    return db.session.scalars(select(ApiKey).where(ApiKey.name == name)).one()


def test_a_cached_key_reads_only_its_generation(client, agency):
    secret = agency[4]
    _warm(secret, client)
    with recorded_statements() as statements:
        assert api_get(client, "/api/v1/me", secret).status_code == 200
    assert len(statements) == 1
    assert "api_key_generations" in statements[0] and "api_keys" not in statements[0]


def test_with_counters_in_the_database_the_quota_charge_reads_the_generation(app_config, agency):
    app_config["RATELIMIT_STORAGE_URI"] = f"{DATABASE_STORAGE_SCHEME}://"
    app = create_app(app_config)
    client = app.test_client()
    secret = agency[4]
    _warm(secret, client)
    with app.app_context(), recorded_statements() as statements:
        assert api_get(client, "/api/v1/me", secret).status_code == 200
    reads = [s for s in statements if "api_key_generations" in s]
    assert len(reads) == 1 and "rate_limit_counters" in reads[0]
    assert not any("api_keys" in s for s in statements)


def test_the_cache_is_bounded(app_config, make_account):
    app_config["RINGTONIC_API_KEY_CACHE_SIZE"] = 2
    app = create_app(app_config)
    client = app.test_client()
    _, user, workspace = make_account(plan="agency")
    secrets = [issue_key(workspace, user, name=f"Key {n}") for n in range(3)]
    for secret in secrets:
        assert api_get(client, "/api/v1/me", secret).status_code == 200
    assert len(verified_keys_of(app)) == 2


def test_keys_that_fail_are_never_cached(client, agency):
    for secret in (generate_api_key(), "ringtonic_nope"):
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert len(verified_keys_of(client.application)) == 0
