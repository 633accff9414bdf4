"""Mark as spam (API PATCH and the call page): caller blocked, their calls out of reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import BlockedNumber, Call, CallPlaceRollup
from tests.handling.flow_support import reported_calls
from tests.support.api_support import assert_problem
from tests.support.call_fixtures import add_call
from tests.support.keys import bearer, issue_key

SPAMMER = "+15125550666"


@pytest.fixture
def calls(make_account):
    """Three calls from one caller and one from another, in an Agency workspace."""
    _, user, workspace = make_account(plan="agency")
    spam = [
        add_call(workspace, datetime(2026, 5, day, 15, 0, tzinfo=UTC), caller=SPAMMER)
        for day in (1, 2, 3)
    ]
    other = add_call(workspace, datetime(2026, 5, 2, 16, 0, tzinfo=UTC), caller="+15125550123")
    db.session.commit()
    key = issue_key(workspace, user, access="read_write", name="CRM")
    return workspace, spam, other, key


def patch(client, call, body, key, **kwargs):
    kwargs.setdefault("json", body)
    return client.patch(f"/api/v1/calls/{call.uuid}", headers=bearer(key), **kwargs)


def spam_flags() -> dict[int, bool]:
    db.session.expire_all()
    return dict(db.session.execute(select(Call.id, Call.spam)).all())


def place_calls(workspace) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(CallPlaceRollup.total_calls), 0)).where(
            CallPlaceRollup.workspace_id == workspace.id,
            CallPlaceRollup.block_seconds == 86400,
        )
    )


def test_marking_a_call_as_spam_blocks_the_caller_and_empties_their_reports(client, calls):
    workspace, spam, other, key = calls
    assert (reported_calls(workspace), place_calls(workspace)) == (4, 4)
    response = patch(client, spam[-1], {"spam": True}, key)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["spam"] is True
    flags = spam_flags()
    assert [flags[c.id] for c in spam] == [True, True, True]
    assert flags[other.id] is False
    assert (reported_calls(workspace), place_calls(workspace)) == (1, 1)
    entry = db.session.scalar(select(BlockedNumber))
    assert (entry.workspace_id, entry.number, entry.reason) == (workspace.id, SPAMMER, "spam")
    # Again: nothing changes twice.
    assert patch(client, spam[0], {"spam": True}, key).status_code == 200
    assert db.session.scalar(select(func.count(BlockedNumber.id))) == 1
    assert reported_calls(workspace) == 1


def test_unmarking_restores_the_reports_and_unblocks(client, calls):
    workspace, spam, _, key = calls
    patch(client, spam[0], {"spam": True}, key)
    response = client.patch(
        f"/api/v1/calls/{spam[0].uuid}",
        data='{"spam": null, "note": "Not spam after all"}',
        headers={**bearer(key), "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.get_json()["spam"], response.get_json()["note"]) == (
        False,
        "Not spam after all",
    )
    assert not any(spam_flags().values())
    assert (reported_calls(workspace), place_calls(workspace)) == (4, 4)
    assert db.session.scalar(select(func.count(BlockedNumber.id))) == 0


@pytest.mark.parametrize("value", ["yes", 1, [], {"a": 1}])
def test_spam_must_be_a_boolean(client, calls, value):
    _, spam, _, key = calls
    problem = assert_problem(patch(client, spam[0], {"spam": value}, key), 400, "validation_error")
    assert "spam" in str(problem)
    assert not any(spam_flags().values())


def test_read_only_keys_and_other_workspaces_cannot_mark_spam(client, calls, make_account):
    workspace, spam, _, _ = calls
    _, user, _ = make_account(plan="agency")
    outsider = issue_key(db.session.get(type(workspace), workspace.id), user, "read")
    assert patch(client, spam[0], {"spam": True}, outsider).status_code in (401, 403, 404)
    _, stranger_user, stranger = make_account(plan="agency")
    stranger_key = issue_key(stranger, stranger_user, access="read_write")
    assert_problem(patch(client, spam[0], {"spam": True}, stranger_key), 404, "not_found")
    assert not any(spam_flags().values())
