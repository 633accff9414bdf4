"""Blocked callers get <Reject/> before anything rings, in a separate log kept 90 days."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import BlockedCall, Call, CallTimeRollup
from ringtonic.services.accounts.workspaces import create_workspace
from ringtonic.services.errors import Conflict, ValidationError
from ringtonic.services.handling.blocks import (
    block_in_account,
    block_in_workspace,
    check_block_input,
    purge_blocked_calls,
)
from ringtonic.services.signals import call_blocked
from tests.support.telephony_helpers import add_tracking_number, connect_twilio, post_signed
from tests.support.twilio_requests import CALLER, status_callback, voice_request


def voice(client, workspace, sid, caller=CALLER):
    return post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_request(sid, caller))


def rejected(response) -> bool:
    root = ET.fromstring(response.get_data())
    return [child.tag for child in root] == ["Reject"] and not root.find("Reject").attrib


def rolled_up_calls(workspace) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(CallTimeRollup.total_calls), 0)).where(
            CallTimeRollup.workspace_id == workspace.id, CallTimeRollup.block_seconds == 86400
        )
    )


@pytest.fixture
def workspace(make_account):
    _, _, workspace = make_account()
    connect_twilio(workspace)
    add_tracking_number(workspace)
    return workspace


@pytest.mark.parametrize("spelling", ["(512) 555-0123", "512.555.0123", "+1 512 555 0123"])
def test_workspace_block_rejects_the_caller_in_any_spelling(client, workspace, spelling):
    block_in_workspace(workspace, check_block_input(spelling, "harassment"), None)
    db.session.commit()
    seen = []

    def receiver(sender, **kwargs):
        seen.append((sender.id, kwargs["workspace"].id))

    with call_blocked.connected_to(receiver):
        response = voice(client, workspace, "CA" + "b" * 32)
    assert response.status_code == 200
    assert rejected(response)
    assert db.session.scalar(select(func.count(Call.id))) == 0
    attempt = db.session.scalar(select(BlockedCall))
    assert (attempt.caller_number, attempt.reason, attempt.scope) == (
        CALLER,
        "harassment",
        "workspace",
    )
    assert seen == [(attempt.id, workspace.id)]
    assert rolled_up_calls(workspace) == 0


def test_retries_and_status_callbacks_of_a_blocked_call_add_nothing(client, workspace):
    block_in_workspace(workspace, check_block_input(CALLER, "spam"), None)
    db.session.commit()
    sid = "CA" + "c" * 32
    assert rejected(voice(client, workspace, sid))
    assert rejected(voice(client, workspace, sid))
    response = post_signed(
        client, f"/hooks/twilio/status/{workspace.uuid}", status_callback(sid, "busy", 0)
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(BlockedCall.id))) == 1
    assert db.session.scalar(select(func.count(Call.id))) == 0


def test_account_block_is_seen_by_every_workspace_of_the_account_only(client, make_account):
    account, _, first = make_account("agency")
    second = create_workspace(account, "Second client", "America/Chicago")
    db.session.commit()
    _, _, stranger = make_account()
    for n, workspace in enumerate((first, second, stranger)):
        connect_twilio(workspace)
        add_tracking_number(workspace, number=f"+1512555014{n}")
    block_in_account(account, check_block_input(CALLER, "spam"), None)
    db.session.commit()
    for n, workspace in enumerate((first, second, stranger)):
        params = voice_request("CA" + str(n) * 32)
        params["To"] = params["Called"] = f"+1512555014{n}"
        response = post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", params)
        assert rejected(response) == (workspace is not stranger)
    assert db.session.scalar(select(func.count(BlockedCall.id))) == 2
    assert db.session.scalar(select(Call.workspace_id)) == stranger.id


def test_a_withheld_caller_is_never_blocked_and_lists_refuse_repeats(client, workspace):
    block_in_workspace(workspace, check_block_input(CALLER, "spam"), None)
    db.session.commit()
    with pytest.raises(Conflict):
        block_in_workspace(workspace, check_block_input("512-555-0123", "other"), None)
    db.session.rollback()
    with pytest.raises(ValidationError) as error:
        check_block_input(CALLER, "robocalls")
    assert error.value.field == "reason"
    with pytest.raises(ValidationError):
        check_block_input("not a number", "spam")
    response = voice(client, workspace, "CA" + "d" * 32, caller="+266696687")
    assert not rejected(response)


def test_purge_removes_attempts_older_than_90_days_once(client, workspace):
    block_in_workspace(workspace, check_block_input(CALLER, "spam"), None)
    db.session.commit()
    voice(client, workspace, "CA" + "e" * 32)
    voice(client, workspace, "CA" + "f" * 32)
    old = db.session.scalar(select(BlockedCall).order_by(BlockedCall.id))
    old.attempted_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.commit()
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=90, seconds=1)
    assert purge_blocked_calls(now) == 1
    assert purge_blocked_calls(now) == 0
    assert db.session.scalar(select(func.count(BlockedCall.id))) == 1


def test_purge_command_reports_what_it_removed(runner, client, workspace):
    block_in_workspace(workspace, check_block_input(CALLER, "spam"), None)
    db.session.commit()
    voice(client, workspace, "CA" + "g" * 32)
    result = runner.invoke(args=["handling", "purge-blocked-calls"])
    assert result.exit_code == 0, result.output
    assert "0 blocked calls older than 90 days removed" in result.output
