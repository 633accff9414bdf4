"""Shared set-up for call-flow tests: a connected workspace whose campaign has a flow."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Call, CallTimeRollup, Campaign
from ringtonic.services.handling.flows import flow_for_editing, flow_form_values, save_flow
from tests.support.telephony_helpers import add_tracking_number, connect_twilio, post_signed

BASE = "http://localhost/hooks/twilio"
# Business hours Monday to Friday, as the flow form takes them.
WEEKDAYS_9_TO_5 = {f"hours_{day}": "09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}
# Monday 2 March 2026, 13:30 UTC: 08:30 EST, the Monday before the US switch to daylight time.
BEFORE_DST = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)


def url(kind: str, workspace) -> str:
    return f"{BASE}/{kind}/{workspace.uuid}"


def hook(client, kind: str, workspace, params: dict):
    return post_signed(client, f"/hooks/twilio/{kind}/{workspace.uuid}", params)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


def flow_workspace(make_account, time_zone: str = "America/New_York", **settings):
    """Return (workspace, campaign) with a tracking number and a flow saved from `settings`."""
    _, _, workspace = make_account()
    workspace.time_zone = time_zone
    connect_twilio(workspace)
    number = add_tracking_number(workspace)
    campaign = db.session.get(Campaign, number.campaign_id)
    values = flow_form_values(flow_for_editing(campaign))
    values.update(settings)
    save_flow(campaign, values)
    db.session.commit()
    return workspace, campaign


def stored_call(sid: str) -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call).where(Call.provider_call_id == sid))


def reported_calls(workspace) -> int:
    """Return how many calls the reports count (the daily time rollup)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(CallTimeRollup.total_calls), 0)).where(
            CallTimeRollup.workspace_id == workspace.id, CallTimeRollup.block_seconds == 86400
        )
    )
