"""Names that differ only by case, Unicode form or invisible characters are the same name."""

from __future__ import annotations

import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from ringtonic.extensions import db
from ringtonic.models import Campaign, Workspace
from ringtonic.services.accounts import workspaces as workspace_service
from ringtonic.services.errors import Conflict
from ringtonic.services.telephony import campaigns as campaign_service
from ringtonic.text import comparison_form, name_key
from tests.support.web_client import post_form, sign_in

# Each is "Ärzte Köln" to a reader; Python's lower() agrees only for the first three.
SAME_AS_AERZTE = [
    "Ärzte Köln",
    "ärzte köln",
    "ÄRZTE KÖLN",
    "A\u0308rzte Ko\u0308ln",  # decomposed: A + combining diaeresis
    "Ärzte\u200b Köln",  # a zero-width space inside
    "Ärzte  Köln",  # two spaces
    "Ａｒｚｔｅ Köln".replace("Ａ", "Ä"),  # fullwidth letters
]


def count(model, **where) -> int:
    query = select(func.count(model.id)).filter_by(**where)
    return db.session.scalar(query)


def test_comparison_form_folds_case_compatibility_forms_and_invisible_characters():
    assert {comparison_form(name) for name in SAME_AS_AERZTE} == {"ärzte köln"}
    assert comparison_form("Straße") == comparison_form("STRASSE")
    assert comparison_form("ﬁsh") == comparison_form("FISH")
    assert name_key("Ärzte Köln") != name_key("Arzte Koln")


@pytest.mark.parametrize("spelling", SAME_AS_AERZTE)
def test_a_second_workspace_by_any_spelling_of_the_name_is_a_field_error(
    client, make_account, spelling
):
    account, user, _ = make_account(plan="agency")
    sign_in(client, user.email)
    first = post_form(client, "/settings/workspaces", {"name": "Ärzte Köln", "time_zone": "UTC"})
    assert first.status_code == 302
    second = post_form(client, "/settings/workspaces", {"name": spelling, "time_zone": "UTC"})
    assert second.status_code == 400
    assert "A workspace with this name already exists." in second.get_data(as_text=True)
    assert count(Workspace, account_id=account.id) == 2


def test_renaming_a_workspace_onto_another_spelling_of_a_name_is_a_field_error(
    client, make_account
):
    account, user, _ = make_account(plan="agency")
    workspace_service.create_workspace(account, "Ärzte Köln", "UTC")
    other = workspace_service.create_workspace(account, "Zahnärzte", "UTC")
    db.session.commit()
    sign_in(client, user.email)
    response = post_form(
        client, f"/settings/workspaces/{other.uuid}", {"name": "ÄRZTE KÖLN", "time_zone": "UTC"}
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Workspace, other.id).name == "Zahnärzte"


@pytest.mark.parametrize("spelling", SAME_AS_AERZTE)
def test_a_second_campaign_by_any_spelling_of_the_name_is_a_field_error(
    client, make_account, spelling
):
    _, user, workspace = make_account()
    sign_in(client, user.email)
    first = post_form(client, "/campaigns", {"name": "Ärzte Köln", "type": "static"})
    assert first.status_code == 302
    second = post_form(client, "/campaigns", {"name": spelling, "type": "static"})
    assert second.status_code == 400
    assert "already exists in this workspace" in second.get_data(as_text=True)
    assert count(Campaign, workspace_id=workspace.id) == 1


def test_the_same_campaign_name_is_fine_in_another_workspace(make_account):
    _, _, first = make_account()
    _, _, second = make_account()
    campaign_service.create_campaign(first, "Ärzte Köln", "static")
    campaign_service.create_campaign(second, "ÄRZTE KÖLN", "static")
    db.session.commit()
    assert count(Campaign) == 2


def test_a_race_past_the_check_is_decided_by_the_unique_index(make_account, monkeypatch):
    account, _, workspace = make_account(plan="agency")
    campaign_service.create_campaign(workspace, "Ärzte Köln", "static")
    workspace_service.create_workspace(account, "Ärzte Köln", "UTC")
    db.session.commit()
    # As if another request saved the name between this one's check and its insert.
    monkeypatch.setattr(campaign_service, "_check_name_free", lambda *args, **kw: None)
    monkeypatch.setattr(workspace_service, "_check_name_free", lambda *args, **kw: None)
    with pytest.raises(Conflict) as campaign_error:
        campaign_service.create_campaign(workspace, "ÄRZTE KÖLN", "static")
    with pytest.raises(Conflict) as workspace_error:
        workspace_service.create_workspace(account, "a\u0308rzte köln", "UTC")
    assert campaign_error.value.field == workspace_error.value.field == "name"
    # The session is still usable: the failed insert was only a savepoint.
    db.session.commit()
    assert count(Campaign, workspace_id=workspace.id) == 1
    assert count(Workspace, account_id=account.id) == 2


def test_core_inserts_get_the_key_too(make_account):
    _, _, workspace = make_account()
    db.session.execute(
        Campaign.__table__.insert(), [{"workspace_id": workspace.id, "name": "Ärzte Köln"}]
    )
    assert db.session.scalar(select(Campaign.name_key)) == name_key("ärzte köln")


def _insert_raw(connection, table: str, scope: str, owner: int, name: str) -> None:
    extra = ", type" if table == "campaigns" else ", time_zone"
    extra_value = ", 'static'" if table == "campaigns" else ", 'UTC'"
    columns, values = "uuid, name, created_at" + extra, ":uuid, :name, :now" + extra_value
    connection.execute(
        text(f"INSERT INTO {table} ({scope}, {columns}) VALUES (:owner, {values})"),
        {
            "owner": owner,
            "uuid": uuid.uuid4().hex,
            "name": name,
            "now": "2026-01-01 00:00:00",
        },
    )


def test_the_migration_keys_existing_names_and_renames_later_look_alikes(make_account):
    account, _, workspace = make_account(plan="agency")
    account_id, workspace_id = account.id, workspace.id
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="0009")
        # Before 0010 these could all be stored (SQLite's lower() missed them; PostgreSQL's
        # caught only the case, never the decomposed or zero-width spellings).
        with db.engine.begin() as connection:
            for name in ("Ärzte Köln", "A\u0308rzte Ko\u0308ln", "Ärzte\u200b Köln"):
                _insert_raw(connection, "workspaces", "account_id", account_id, name)
                _insert_raw(connection, "campaigns", "workspace_id", workspace_id, name)
            _insert_raw(connection, "campaigns", "workspace_id", workspace_id, "Other")
    finally:
        upgrade()
    expected = ["Ärzte Köln", "A\u0308rzte Ko\u0308ln (2)", "Ärzte\u200b Köln (3)"]
    scopes = (
        (Workspace, Workspace.account_id == account_id),
        (Campaign, Campaign.workspace_id == workspace_id),
    )
    for model, where in scopes:
        rows = db.session.execute(
            select(model.name, model.name_key).where(where).order_by(model.id)
        ).all()
        names = [name for name, _ in rows if name != "Other"]
        assert names[-3:] == expected
        assert all(key == name_key(name) for name, key in rows)
        assert len({key for _, key in rows}) == len(rows)
