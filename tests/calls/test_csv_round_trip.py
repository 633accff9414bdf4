"""Calls exported as CSV (web or API) and imported back: into the same workspace or another."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Call
from tests.support.call_fixtures import add_call, add_campaign, add_number, add_teammate
from tests.support.keys import api_get, issue_key
from tests.support.web_client import post_form, sign_in

SECOND = datetime(2026, 11, 20, 15, 4, 5, tzinfo=UTC)
WITHHELD_ROW = "2026-11-20T15:04:05Z,anonymous,+15125550100,0,missed\n"


def count_calls(workspace) -> int:
    return db.session.scalar(select(func.count(Call.id)).where(Call.workspace_id == workspace.id))


def calls_of(workspace) -> list[Call]:
    return list(
        db.session.scalars(
            select(Call).where(Call.workspace_id == workspace.id).order_by(Call.started_at, Call.id)
        )
    )


def upload(client, content: bytes, name: str = "calls.csv"):
    """Send the file through Calls → Import as a browser does; return the flash it shows."""
    response = post_form(client, "/calls/import", {"file": (io.BytesIO(content), name)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get("/calls").get_data(as_text=True)
    start = page.index("Imported ")
    return page[start : page.index(".", start) + 1]


def browser_for(app, user):
    client = app.test_client()
    sign_in(client, user.email)
    return client


@pytest.fixture
def source(make_account):
    """An agency workspace with calls of every origin: webhook, import, and neither id."""
    _, user, workspace = make_account(plan="agency")
    number = add_number(workspace, "+15125550100", campaign=add_campaign(workspace, "GBP"))
    add_call(
        workspace, SECOND, number=number, provider_call_id="CA" + "a" * 32, caller_city="Austin"
    )
    add_call(workspace, SECOND, number=number, external_id="crm-77", status="voicemail")
    # Four withheld callers in the same second: same content, distinct calls, no ids at all.
    for _ in range(4):
        add_call(workspace, SECOND, number=number, caller="", status="missed", duration=0)
    add_call(workspace, SECOND, number=number, caller="+15125550147", medium="-cpc")
    db.session.commit()
    return user, workspace


def test_a_web_export_imported_into_its_own_workspace_adds_nothing(app, source):
    user, workspace = source
    client = browser_for(app, user)
    exported = client.get("/calls/export.csv", buffered=True).get_data()
    assert b"provider_call_id" in exported and ("CA" + "a" * 32).encode() in exported
    assert upload(client, exported) == "Imported 0 calls; skipped 7 already imported."
    assert count_calls(workspace) == 7


def test_an_api_export_imported_into_its_own_workspace_adds_nothing(app, client, source):
    user, workspace = source
    key = issue_key(workspace, user)
    exported = api_get(client, "/api/v1/calls", key, headers={"Accept": "text/csv"}).get_data()
    assert not exported.startswith(b"\xef\xbb\xbf")
    browser = browser_for(app, user)
    assert upload(browser, exported) == "Imported 0 calls; skipped 7 already imported."
    assert count_calls(workspace) == 7


def test_an_export_imported_into_another_workspace_creates_each_call_once(
    app, source, make_account
):
    user, workspace = source
    exported = browser_for(app, user).get("/calls/export.csv", buffered=True).get_data()
    _, other_user, other = make_account()
    other_client = browser_for(app, other_user)
    assert upload(other_client, exported) == "Imported 7 calls; skipped 0 already imported."
    copies = calls_of(other)
    originals = {call.uuid for call in calls_of(workspace)}
    assert not originals & {call.uuid for call in copies}
    # The provider's id travels with the call, so the copy is still the same Twilio call.
    assert sorted(filter(None, (c.provider_call_id for c in copies))) == ["CA" + "a" * 32]
    assert sum(c.caller_number == "" for c in copies) == 4
    assert {c.medium for c in copies} >= {"-cpc"}
    assert upload(other_client, exported) == "Imported 0 calls; skipped 7 already imported."
    assert (count_calls(workspace), count_calls(other)) == (7, 7)


def test_another_workspaces_ringtonic_ids_neither_match_nor_tell_they_exist(
    app, source, make_account
):
    _, workspace = source
    theirs = [call.uuid for call in calls_of(workspace)][:2]
    made_up = [uuid.uuid4(), uuid.uuid4()]
    header = "started_at,caller_number,tracking_number,duration,status,ringtonic_id\n"

    def imported_into_a_new_workspace(ids) -> tuple[str, list[Call]]:
        rows = [
            f"2026-11-2{n}T10:00:00Z,+1512555014{n},+15125550100,30,answered,{ring_id}\n"
            for n, ring_id in enumerate(ids)
        ]
        _, user, mine = make_account()
        return upload(browser_for(app, user), (header + "".join(rows)).encode()), calls_of(mine)

    real, copies = imported_into_a_new_workspace(theirs)
    invented, _ = imported_into_a_new_workspace(made_up)
    assert real == invented == "Imported 2 calls; skipped 0 already imported."
    assert {call.uuid for call in copies}.isdisjoint(theirs)


def test_four_withheld_callers_in_the_same_second_are_four_calls(app, make_account):
    _, user, workspace = make_account()
    client = browser_for(app, user)
    content = "started_at,caller_number,tracking_number,duration,status\n" + WITHHELD_ROW * 4
    assert upload(client, content.encode()) == "Imported 4 calls; skipped 0 already imported."
    assert len({call.external_id for call in calls_of(workspace)}) == 4
    assert upload(client, content.encode()) == "Imported 0 calls; skipped 4 already imported."
    five = content + WITHHELD_ROW
    assert upload(client, five.encode()) == "Imported 1 calls; skipped 4 already imported."
    assert count_calls(workspace) == 5


def test_a_row_repeated_with_its_ringtonic_id_is_one_call(app, make_account):
    _, user, workspace = make_account()
    client = browser_for(app, user)
    row = WITHHELD_ROW.rstrip("\n") + f",{uuid.uuid4()}\n"
    content = "started_at,caller_number,tracking_number,duration,status,ringtonic_id\n" + row * 2
    assert upload(client, content.encode()) == "Imported 1 calls; skipped 1 already imported."
    assert count_calls(workspace) == 1


def test_twilio_call_ids_match_whichever_column_carries_them(app, make_account):
    _, user, workspace = make_account()
    sid = "CA" + "b" * 32
    add_call(workspace, SECOND, provider_call_id=sid)
    db.session.commit()
    client = browser_for(app, user)
    header = "started_at,caller_number,tracking_number,status,"
    as_provider = (
        f"{header}provider_call_id\n2026-11-20 10:04,5125550147,5125550100,answered,{sid}\n"
    )
    as_call_sid = f"{header}Call SID\n2026-11-20 10:04,5125550147,5125550100,answered,{sid}\n"
    for content in (as_provider, as_call_sid):
        assert upload(client, content.encode()) == "Imported 0 calls; skipped 1 already imported."
    assert count_calls(workspace) == 1


def test_bad_ids_are_reported_naming_their_column(app, make_account):
    _, user, workspace = make_account()
    client = browser_for(app, user)
    content = (
        "started_at,caller_number,tracking_number,status,ringtonic_id,provider_call_id\n"
        f"2026-11-20 10:04,5125550147,5125550100,answered,not-a-uuid,{'C' * 65}\n"
    )
    response = post_form(client, "/calls/import", {"file": (io.BytesIO(content.encode()), "a.csv")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<td>ringtonic_id</td><td>is not a Ring Tonic ID" in html
    assert "<td>provider_call_id</td><td>is longer than 64 characters" in html
    assert count_calls(workspace) == 0


def test_the_sample_file_from_the_import_page_imports(app, make_account):
    _, user, workspace = make_account()
    number = add_number(workspace, "+13035550123")
    db.session.commit()
    client = browser_for(app, user)
    page = client.get("/calls/import").get_data(as_text=True)
    assert 'href="/calls/import/sample.csv"' in page
    sample = client.get("/calls/import/sample.csv")
    assert sample.status_code == 200 and sample.mimetype == "text/csv"
    assert sample.headers["Content-Disposition"].startswith("attachment;")
    text = sample.get_data(as_text=True)
    assert "03/12/2024 2:05 PM" in text and "2024-03-13 09:30" in text
    assert upload(client, sample.get_data()) == "Imported 4 calls; skipped 0 already imported."
    calls = calls_of(workspace)
    assert {call.phone_number_id for call in calls} == {number.id}
    assert [call.status for call in calls] == ["answered", "answered", "missed", "voicemail"]
    assert upload(client, sample.get_data()) == "Imported 0 calls; skipped 4 already imported."


def test_a_workspace_without_numbers_gets_a_sample_with_an_example_number(app, make_account):
    _, user, workspace = make_account()
    client = browser_for(app, user)
    sample = client.get("/calls/import/sample.csv").get_data()
    assert b"'+15125550100" in sample
    assert upload(client, sample) == "Imported 4 calls; skipped 0 already imported."
    assert count_calls(workspace) == 4


def test_members_cannot_download_the_sample(app, make_account):
    account, _, _ = make_account()
    member = add_teammate(account, "member@example.com", "member")
    assert browser_for(app, member).get("/calls/import/sample.csv").status_code == 403
