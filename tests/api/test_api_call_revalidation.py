"""Revalidating one call reads its version alone: the same ETag, without loading the call."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ringtonic.api.conditional import call_version
from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.models.types import utcnow
from ringtonic.services.calls.queries import get_call
from ringtonic.services.calls.versions import call_version_by_uuid
from ringtonic.services.errors import NotFound
from tests.support.api_support import seed_demo_api
from tests.support.keys import api_get, recorded_statements


@pytest.fixture
def demo(make_account):
    return seed_demo_api(make_account, calls=20)


def _versions_agree(workspace) -> None:
    db.session.expire_all()
    for call in db.session.scalars(select(Call).where(Call.workspace_id == workspace.id)):
        loaded = get_call(workspace, call.uuid)
        version, _ = call_version_by_uuid(workspace.id, workspace.account_id, call.uuid)
        assert version == call_version(loaded)


def test_the_version_read_matches_the_loaded_calls_version(demo):
    _versions_agree(demo.workspace)
    # Calls without a number or a campaign, a number without one, an archived campaign.
    calls = db.session.scalars(select(Call).where(Call.workspace_id == demo.workspace.id)).all()
    calls[0].phone_number_id = None
    calls[1].campaign_id = None
    calls[2].phone_number.campaign_id = None
    calls[3].campaign.archived_at = utcnow()
    db.session.commit()
    _versions_agree(demo.workspace)


def test_another_workspaces_call_is_not_found(demo):
    call = db.session.scalars(select(Call).where(Call.workspace_id == demo.workspace.id)).first()
    with pytest.raises(NotFound):
        call_version_by_uuid(demo.other_workspace.id, demo.account.id, call.uuid)
    with pytest.raises(NotFound):
        call_version_by_uuid(demo.workspace.id, demo.account.id, "not-a-uuid")


def test_a_304_for_one_call_reads_only_its_version(client, demo):
    call = db.session.scalars(select(Call).where(Call.workspace_id == demo.workspace.id)).first()
    path = f"/api/v1/calls/{call.uuid}"
    etag = api_get(client, path, demo.read_key).headers["ETag"]
    with recorded_statements() as statements:
        again = api_get(client, path, demo.read_key, headers={"If-None-Match": etag})
    assert again.status_code == 304
    reads_of_calls = [s for s in statements if "FROM calls" in s]
    assert len(reads_of_calls) == 1
    assert "visitor_sessions" not in reads_of_calls[0]
    # The key, taken from memory, is confirmed by the same read: one statement in all.
    assert statements == reads_of_calls
    # A tag that no longer matches gets the full answer, with the current tag.
    stale = api_get(client, path, demo.read_key, headers={"If-None-Match": 'W/"old"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag
