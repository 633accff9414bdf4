"""The import reads the date formats people's files have, and names what is wrong with others."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.services.calls.import_dates import parse_started_at
from ringtonic.services.calls.import_fields import CellError
from tests.support.call_fixtures import add_number
from tests.support.web_client import post_form, sign_in

CHICAGO = ZoneInfo("America/Chicago")
LATEST = datetime(2027, 1, 1, tzinfo=UTC)
# 2 December 2026, 14:05 in Chicago (CST, UTC-6) is 20:05 UTC.
TWO_FIVE_PM = datetime(2026, 12, 2, 20, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/02/2026 2:05 PM", TWO_FIVE_PM),
        ("12/02/2026 2:05 pm", TWO_FIVE_PM),
        ("12/2/2026 2:05PM", TWO_FIVE_PM),
        ("12/02/2026 02:05:00 P.M.", TWO_FIVE_PM),
        ("12/02/2026 14:05", TWO_FIVE_PM),
        ("12/02/2026 14:05:09", TWO_FIVE_PM.replace(second=9)),
        ("12/02/2026 12:05 AM", datetime(2026, 12, 2, 6, 5, tzinfo=UTC)),
        ("12/02/2026 12:05 PM", datetime(2026, 12, 2, 18, 5, tzinfo=UTC)),
        ("2026-12-02T14:05:00Z", datetime(2026, 12, 2, 14, 5, tzinfo=UTC)),
        ("2026-12-02T14:05:00-06:00", TWO_FIVE_PM),
        ("2026-12-02T14:05:00+01:00", datetime(2026, 12, 2, 13, 5, tzinfo=UTC)),
        ("2026-12-02T14:05:00", TWO_FIVE_PM),
        ("2026-12-02 14:05", TWO_FIVE_PM),
        ("2026-12-02 14:05:00", TWO_FIVE_PM),
        # Summer: CDT is UTC-5.
        ("07/04/2026 9:00 AM", datetime(2026, 7, 4, 14, 0, tzinfo=UTC)),
    ],
)
def test_accepted_formats_are_read_in_the_workspace_zone_unless_they_have_an_offset(text, expected):
    assert parse_started_at(text, CHICAGO, LATEST) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("13/02/2026 2:05 PM", "has month 13: dates with slashes are read month first"),
        ("02/30/2026 2:05 PM", "is not a real date and time (read as month/day/year: 2/30/2026)"),
        ("12/02/26 2:05 PM", "needs a four-digit year"),
        ("12/02/2026", "needs a time of day"),
        ("2026-12-02", "needs a time of day"),
        ("12/02/2026 14:05 PM", "has hour 14 with AM/PM"),
        ("12/02/2026 2:65 PM", "is not a real date and time"),
        ("12/02/2026 at 2pm", "is not a date and time like 2026-12-02 14:05"),
        ("2 December 2026", "is not a date and time like"),
        ("03/08/2026 2:30 AM", "does not exist in America/Chicago (clocks went forward)"),
        (
            "11/01/2026 1:30 AM",
            "happened twice in America/Chicago (clocks went back); add its UTC offset, "
            "e.g. 2026-11-01T01:30:00-05:00 or 2026-11-01T01:30:00-06:00",
        ),
        ("2027-06-01 10:00", "is in the future"),
        ("", "is required"),
    ],
)
def test_impossible_and_ambiguous_dates_say_what_is_wrong(text, reason):
    with pytest.raises(CellError) as error:
        parse_started_at(text, CHICAGO, LATEST)
    assert reason in str(error.value)


def test_an_offset_settles_a_time_that_happened_twice():
    first = parse_started_at("2026-11-01T01:30:00-05:00", CHICAGO, LATEST)
    second = parse_started_at("2026-11-01T01:30:00-06:00", CHICAGO, LATEST)
    assert (second - first).total_seconds() == 3600


@pytest.fixture
def chicago_manager(make_account, client):
    _, user, workspace = make_account()
    workspace.time_zone = "America/Chicago"
    add_number(workspace, "+15125550100")
    db.session.commit()
    sign_in(client, user.email)
    return workspace


def upload(client, text: str):
    return post_form(client, "/calls/import", {"file": (io.BytesIO(text.encode()), "calls.csv")})


def test_a_file_mixing_the_formats_imports_through_the_page(client, chicago_manager):
    page = client.get("/calls/import").get_data(as_text=True)
    assert "month/day/year, as in the US" in page and "America/Chicago" in page
    text = (
        "Call Start,From,To,Status\n"
        "12/02/2026 2:05 PM,5125550101,5125550100,answered\n"
        "12/02/2026 14:06,5125550102,5125550100,answered\n"
        "2026-12-02T14:07:00Z,5125550103,5125550100,answered\n"
        "2026-12-02T14:08:00-06:00,5125550104,5125550100,answered\n"
        "2026-12-02 14:09,5125550105,5125550100,answered\n"
        "2026-12-02 14:10:00,5125550106,5125550100,answered\n"
    )
    assert upload(client, text).status_code == 302
    calls = db.session.scalars(
        select(Call).where(Call.workspace_id == chicago_manager.id).order_by(Call.caller_number)
    ).all()
    assert [call.started_at for call in calls] == [
        datetime(2026, 12, 2, 20, 5, tzinfo=UTC),
        datetime(2026, 12, 2, 20, 6, tzinfo=UTC),
        datetime(2026, 12, 2, 14, 7, tzinfo=UTC),
        datetime(2026, 12, 2, 20, 8, tzinfo=UTC),
        datetime(2026, 12, 2, 20, 9, tzinfo=UTC),
        datetime(2026, 12, 2, 20, 10, tzinfo=UTC),
    ]


def test_bad_dates_are_listed_per_row_naming_the_column_as_written(client, chicago_manager):
    text = (
        "Call Start,From,To,Status\n"
        "12/02/2026 2:05 PM,5125550101,5125550100,answered\n"
        "13/02/2026 2:05 PM,5125550102,5125550100,answered\n"
        "11/01/2026 1:30 AM,5125550103,5125550100,answered\n"
    )
    response = upload(client, text)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The file has 2 problems; nothing was imported." in html
    assert '<td class="num">3</td><td>Call Start</td><td>has month 13' in html
    assert '<td class="num">4</td><td>Call Start</td><td>names a time that happened twice' in html
    assert db.session.scalar(select(Call.id).where(Call.workspace_id == chicago_manager.id)) is None
