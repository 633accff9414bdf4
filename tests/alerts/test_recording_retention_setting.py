"""Settings → Recordings: how long a workspace keeps recordings, chosen by managers."""

from __future__ import annotations

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import AuditEvent
from ringtonic.services.recordings.retention import get_retention_days
from tests.support.telephony_helpers import add_user
from tests.support.web_client import post_form, sign_in


def test_a_manager_chooses_a_year_and_forever(client, make_account):
    account, _, workspace = make_account(plan="agency")
    add_user(account, "max@example.com", "manager")
    sign_in(client, "max@example.com")
    page = client.get("/settings/recordings").get_data(as_text=True)
    assert 'checked id="retention-2" name="retention" type="radio" value="forever"' in page
    assert get_retention_days(workspace) is None

    response = post_form(client, "/settings/recordings", {"retention": "365"})
    assert response.status_code == 303
    assert "kept 1 year" in client.get("/settings/recordings").get_data(as_text=True)
    assert get_retention_days(workspace) == 365
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("recordings.%")))
    assert event.details == {"retention_days": 365}

    post_form(client, "/settings/recordings", {"retention": "forever"})
    assert get_retention_days(workspace) is None


def test_members_cannot_change_retention(client, make_account):
    account, _, workspace = make_account(plan="agency")
    add_user(account, "mia@example.com", "member")
    sign_in(client, "mia@example.com")
    assert client.get("/settings/recordings").status_code == 403
    assert "/settings/recordings" not in client.get("/settings/alerts").get_data(as_text=True)
