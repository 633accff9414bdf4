"""The calls log, a call's page, the CSV export and the import page, as users see them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.services.accounts.workspaces import create_workspace
from tests.support.call_fixtures import add_call, add_campaign, add_number, add_teammate
from tests.support.web_client import csrf_token, post_form, sign_in

MARCH_10 = datetime(2024, 3, 10, 13, 15, tzinfo=UTC)  # 09:15 EDT in New York


@pytest.fixture
def workspace_with_calls(make_account):
    """An account whose workspace has two campaigns, two numbers and three calls."""
    account, user, workspace = make_account(plan="agency")
    gbp = add_campaign(workspace, "Google Business Profile")
    site = add_campaign(workspace, "Website")
    gbp_number = add_number(workspace, "+15125550100", campaign=gbp, source="gbp")
    site_number = add_number(workspace, "+15125550111", campaign=site, source="website")
    calls = {
        "answered": add_call(
            workspace,
            MARCH_10,
            number=gbp_number,
            caller="+15125550147",
            duration=95,
            source="gbp",
            caller_city="Austin",
            caller_state="TX",
            first_call=True,
        ),
        "missed": add_call(
            workspace,
            MARCH_10 + timedelta(hours=1),
            number=site_number,
            caller="+15125550148",
            status="missed",
            duration=0,
            source="website",
        ),
        "old": add_call(
            workspace,
            MARCH_10 - timedelta(days=3),
            number=gbp_number,
            caller="+15125550149",
            source="gbp",
        ),
    }
    db.session.commit()
    return user, workspace, {"gbp": gbp, "site": site}, {"gbp": gbp_number}, calls


def rows_of(html: str) -> list[str]:
    """Return the caller numbers shown in the calls table, in order."""
    return re.findall(r'<a href="/calls/[0-9a-f-]{36}">([^<]+)</a>', html)


def test_calls_log_shows_newest_first_with_every_column(client, workspace_with_calls):
    user, workspace, _, _, _ = workspace_with_calls
    sign_in(client, user.email)
    response = client.get("/calls")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert rows_of(html) == ["(512) 555-0148", "(512) 555-0147", "(512) 555-0149"]
    for shown in (
        "Mar 10, 2024, 9:15 AM",
        "Mar 7, 2024, 8:15 AM",
        "Austin, TX",
        "Google Business Profile",
        "Website",
        "1:35",
        ">missed</span>",
        "first call",
    ):
        assert shown in html, shown
    export = f'href="/calls/export.csv?workspace={workspace.uuid}"'
    assert export in html and 'href="/calls/import"' in html


def test_the_filter_form_submits_what_the_log_understands(client, workspace_with_calls):
    user, *_ = workspace_with_calls
    sign_in(client, user.email)
    html = client.get("/calls").get_data(as_text=True)
    checkbox = re.search(
        r'<input id="first_time" name="first_time" type="checkbox" value="(\w+)">', html
    )
    response = client.get(f"/calls?start_date=&end_date=&status=&first_time={checkbox.group(1)}")
    assert response.status_code == 200
    assert rows_of(response.get_data(as_text=True)) == ["(512) 555-0147"]
    assert 'checked id="first_time"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("start_date=2024-03-10&end_date=2024-03-10", ["(512) 555-0148", "(512) 555-0147"]),
        ("end_date=2024-03-09", ["(512) 555-0149"]),
        ("status=missed", ["(512) 555-0148"]),
        ("first_time=1", ["(512) 555-0147"]),
    ],
)
def test_filters_narrow_the_log(client, workspace_with_calls, query, expected):
    user, *_ = workspace_with_calls
    sign_in(client, user.email)
    assert rows_of(client.get(f"/calls?{query}").get_data(as_text=True)) == expected


def test_campaign_and_number_filters(client, workspace_with_calls):
    user, _, campaigns, numbers, _ = workspace_with_calls
    sign_in(client, user.email)
    by_campaign = client.get(f"/calls?campaign={campaigns['site'].uuid}").get_data(as_text=True)
    assert rows_of(by_campaign) == ["(512) 555-0148"]
    assert f'<option selected value="{campaigns["site"].uuid}">' in by_campaign
    by_number = client.get(f"/calls?number={numbers['gbp'].uuid}").get_data(as_text=True)
    assert rows_of(by_number) == ["(512) 555-0147", "(512) 555-0149"]
    nothing = client.get("/calls?status=busy").get_data(as_text=True)
    assert "No calls match these filters." in nothing


def test_bad_filters_answer_400_with_the_fields_message_and_no_calls(
    client, workspace_with_calls, make_account
):
    user, *_ = workspace_with_calls
    _, _, elsewhere = make_account()
    foreign_campaign = add_campaign(elsewhere, "Their campaign")
    add_call(elsewhere, caller="+13035550100")
    db.session.commit()
    sign_in(client, user.email)
    for query, message in (
        ("start_date=31/12/2024", "Enter a date like 2024-03-31."),
        ("start_date=2024-03-10&end_date=2024-03-01", "on or after the start date"),
        (f"campaign={foreign_campaign.uuid}", "No such campaign in this workspace."),
        ("cursor=garbage", "This page link is out of date."),
    ):
        for url in (f"/calls?{query}", f"/calls/export.csv?{query}&status=answered"):
            if "cursor" in url and "export" in url:
                continue  # the export has no pages
            response = client.get(url, buffered=True)
            html = response.get_data(as_text=True)
            assert response.status_code == 400, url
            assert message in html, url
            assert rows_of(html) == [] and "Their campaign" not in html


def test_pages_of_fifty_with_newer_and_older_links(client, make_account):
    _, user, workspace = make_account()
    for n in range(120):
        add_call(workspace, MARCH_10 - timedelta(minutes=n), caller=f"+1512555{n:04d}")
    db.session.commit()
    sign_in(client, user.email)
    seen, url, pages = [], "/calls?status=answered", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += rows_of(html)
        pages += 1
        assert ("← Previous" in html) == (pages > 1)
        older = re.search(r'rel="next" href="([^"]+)"', html)
        url = older.group(1).replace("&amp;", "&") if older else None
        if url:
            assert "status=answered" in url
    assert pages == 3 and len(seen) == 120 and len(set(seen)) == 120
    assert seen[0] == "(512) 555-0000" and seen[-1] == "(512) 555-0119"


def test_call_page_shows_every_field(client, workspace_with_calls):
    user, _, _, _, calls = workspace_with_calls
    call = calls["answered"]
    call.external_id = "crm-42"
    call.note = "Wants a quote"
    call.tags = ["hot"]
    call.lead_status = "qualified"
    call.caller_zip = "78701"
    call.caller_country = "US"
    db.session.commit()
    sign_in(client, user.email)
    html = client.get(f"/calls/{call.uuid}").get_data(as_text=True)
    for shown in (
        "Call from (512) 555-0147",
        ">Mar 10, 2024, 9:15:00 AM</time>",
        'title="2024-03-10 13:15:00 UTC"',
        "+15125550147",
        "(512) 555-0100",
        "Google Business Profile",
        "1:35 (95 seconds)",
        "Austin",
        "78701",
        "crm-42",
        "Wants a quote",
        "hot",
        "qualified",
        "Yes, a first-time caller",
        str(call.uuid),
    ):
        assert shown in html, shown


def test_calls_of_other_accounts_and_workspaces_are_not_found(
    client, workspace_with_calls, make_account
):
    user, workspace, _, _, _ = workspace_with_calls
    _, _, other_account_ws = make_account()
    foreign = add_call(other_account_ws, caller="+13035550100")
    # The same account's other workspace: visible only after switching to it.
    second = create_workspace(workspace.account, "Second client", "UTC")
    sibling = add_call(second, caller="+13035550101")
    db.session.commit()
    sign_in(client, user.email)
    assert client.get(f"/calls/{foreign.uuid}").status_code == 404
    assert client.get(f"/calls/{sibling.uuid}").status_code == 404
    assert client.get("/calls/not-a-uuid").status_code == 404
    for url in ("/calls", "/calls/export.csv", "/"):
        body = client.get(url, buffered=True).get_data(as_text=True)
        assert "3035550100" not in body and "3035550101" not in body, url
    post_form(client, "/workspaces/switch", {"workspace": str(second.uuid)}, page="/")
    assert client.get(f"/calls/{sibling.uuid}").status_code == 200
    assert rows_of(client.get("/calls").get_data(as_text=True)) == ["(303) 555-0101"]


def export_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_export_streams_the_filtered_calls_as_a_csv_attachment(client, workspace_with_calls):
    user, _, campaigns, _, calls = workspace_with_calls
    sign_in(client, user.email)
    response = client.get(f"/calls/export.csv?campaign={campaigns['gbp'].uuid}", buffered=True)
    assert response.status_code == 200
    # Streamed: sent as it is written, so the length is not known up front.
    assert "Content-Length" not in response.headers
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="calls-')
    rows = export_rows(response)
    assert [row["ringtonic_id"] for row in rows] == [
        str(calls["answered"].uuid),
        str(calls["old"].uuid),
    ]
    first = rows[0]
    assert first["started_at"] == "2024-03-10T09:15:00-04:00"
    assert (first["duration"], first["status"], first["first_call"]) == ("95", "answered", "yes")
    assert (first["campaign"], first["city"], first["state"]) == (
        "Google Business Profile",
        "Austin",
        "TX",
    )


def test_export_neutralises_spreadsheet_formulas(client, make_account):
    _, user, workspace = make_account()
    add_call(
        workspace,
        MARCH_10,
        source='=HYPERLINK("http://evil.example","x")',
        medium="@SUM(A1)",
        caller_city="-2+3",
        caller_state="\tTX",
        caller="+15125550147",
    )
    db.session.commit()
    sign_in(client, user.email)
    (row,) = export_rows(client.get("/calls/export.csv", buffered=True))
    assert row["source"] == '\'=HYPERLINK("http://evil.example","x")'
    assert (row["medium"], row["city"], row["state"]) == ("'@SUM(A1)", "'-2+3", "'\tTX")
    assert row["caller_number"] == "'+15125550147"


def test_an_export_imports_into_another_workspace(client, workspace_with_calls, make_account):
    user, *_ = workspace_with_calls
    sign_in(client, user.email)
    exported = client.get("/calls/export.csv", buffered=True).get_data()
    _, other_user, other = make_account()
    fresh = client.application.test_client()
    sign_in(fresh, other_user.email)
    response = post_form(fresh, "/calls/import", {"file": (io.BytesIO(exported), "export.csv")})
    assert response.status_code == 302
    copied = db.session.scalars(select(Call).where(Call.workspace_id == other.id)).all()
    assert sorted(c.caller_number for c in copied) == [
        "+15125550147",
        "+15125550148",
        "+15125550149",
    ]


IMPORT_CSV = (
    "started_at,caller_number,tracking_number,status,external_id,notes\n"
    "2024-03-10 09:15,5125550147,5125550100,answered,a\n"
    "2024-03-10 09:20,5125550148,5125550100,missed,b\n"
)


def upload(client, content: bytes, name: str = "calls.csv"):
    return post_form(client, "/calls/import", {"file": (io.BytesIO(content), name)})


def call_count() -> int:
    return db.session.scalar(select(func.count(Call.id)))


def test_import_page_documents_the_columns_and_imports_a_file(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    page = client.get("/calls/import").get_data(as_text=True)
    for column in ("started_at", "caller_number", "tracking_number", "external_id", "caller"):
        assert f"<code>{column}</code>" in page
    assert "10 MB" in page
    response = upload(client, IMPORT_CSV.encode())
    assert response.status_code == 302 and response.location.endswith("/calls")
    html = client.get("/calls").get_data(as_text=True)
    assert "Imported 2 calls; skipped 0 already imported." in html
    assert "Ignored columns: notes." in html
    again = upload(client, IMPORT_CSV.encode())
    assert again.status_code == 302
    assert "Imported 0 calls; skipped 2" in client.get("/calls").get_data(as_text=True)
    assert call_count() == 2


def test_import_page_lists_bad_rows_and_imports_nothing(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    bad = IMPORT_CSV + "2024-03-10 09:25,5125550149,5125550100,lost,c\n"
    response = upload(client, bad.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The file has 1 problem; nothing was imported." in html
    assert re.search(r'<td class="num">4</td><td>status</td><td>must be one of', html)
    assert call_count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Jos\u00e9".encode("latin-1"), "Line 1 is not UTF-8 text"),
        (b"", "The file is empty."),
    ],
)
def test_import_page_explains_unreadable_files(client, make_account, content, message):
    _, user, _ = make_account()
    sign_in(client, user.email)
    response = upload(client, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_import_without_a_file_asks_for_one(client, make_account):
    _, user, _ = make_account()
    sign_in(client, user.email)
    response = post_form(client, "/calls/import", {})
    assert response.status_code == 400
    assert "Choose a CSV file to import." in response.get_data(as_text=True)


def test_oversized_upload_is_refused_with_a_clear_message(app_config, make_account):
    app_config["MAX_CONTENT_LENGTH"] = 4096
    from ringtonic import create_app

    small = create_app(app_config)
    client = small.test_client()
    _, user, _ = make_account()
    sign_in(client, user.email)
    token = csrf_token(client, "/calls/import")
    response = client.post(
        "/calls/import",
        data={"csrf_token": token, "file": (io.BytesIO(b"x" * 10_000), "big.csv")},
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "That file is too large." in html and "at most 4 KB" in html
    assert 'action="/calls/import"' in html
    assert call_count() == 0


def test_members_read_and_export_but_cannot_import(client, workspace_with_calls):
    user, *_ = workspace_with_calls
    add_teammate(user.account, "member@example.com", "member")
    sign_in(client, "member@example.com")
    assert client.get("/calls").status_code == 200
    assert 'href="/calls/import"' not in client.get("/calls").get_data(as_text=True)
    assert client.get("/calls/export.csv", buffered=True).status_code == 200
    assert client.get("/calls/import").status_code == 403
    response = post_form(
        client, "/calls/import", {"file": (io.BytesIO(IMPORT_CSV.encode()), "a.csv")}, page="/calls"
    )
    assert response.status_code == 403
    assert call_count() == 3


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/calls", "/calls/export.csv", "/calls/import"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_oversized_posts_elsewhere_get_the_413_error_page(app_config, make_account):
    app_config["MAX_CONTENT_LENGTH"] = 4096
    from ringtonic import create_app

    client = create_app(app_config).test_client()
    _, user, _ = make_account()
    sign_in(client, user.email)
    response = client.post("/settings/profile", data={"current_password": "x" * 10_000})
    assert response.status_code == 413
    assert "larger than this server accepts" in response.get_data(as_text=True)


def test_managers_may_import(client, make_account):
    account, _, _ = make_account()
    add_teammate(account, "manager@example.com", "manager")
    sign_in(client, "manager@example.com")
    assert client.get("/calls/import").status_code == 200
    assert upload(client, IMPORT_CSV.encode()).status_code == 302
    assert call_count() == 2


def test_times_follow_the_workspace_time_zone_setting(client, workspace_with_calls):
    user, workspace, _, _, calls = workspace_with_calls
    workspace.time_zone = "Europe/London"
    db.session.commit()
    sign_in(client, user.email)
    assert "Mar 10, 2024, 1:15 PM" in client.get("/calls").get_data(as_text=True)
    detail = client.get(f"/calls/{calls['answered'].uuid}").get_data(as_text=True)
    assert "Mar 10, 2024, 1:15:00 PM" in detail
    (row, *_) = export_rows(client.get("/calls/export.csv?status=missed", buffered=True))
    assert row["started_at"] == "2024-03-10T14:15:00+00:00"
