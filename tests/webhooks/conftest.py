"""Webhook tests: tasks run at once, loopback receivers allowed, short timeouts."""

from __future__ import annotations

import pytest

from ringtonic.extensions import db
from ringtonic.services.webhooks.endpoints import create_endpoint
from tests.support.telephony_helpers import add_tracking_number, connect_twilio
from tests.support.web_client import TEST_SECRET
from tests.webhooks.receiver import running_receiver

ALL_EVENTS = ["call.started", "call.completed", "call.missed", "call.updated", "call.blocked"]


@pytest.fixture
def app_config(app_config):
    app_config.update(
        RINGTONIC_BACKGROUND_IMMEDIATE=True,
        RINGTONIC_WEBHOOK_ALLOW_PRIVATE=True,
        RINGTONIC_WEBHOOK_ALLOW_HTTP=True,
        RINGTONIC_WEBHOOK_TIMEOUT=2,
    )
    return app_config


@pytest.fixture
def receiver():
    with running_receiver() as state:
        yield state


@pytest.fixture
def agency(make_account):
    """An Agency workspace with Twilio connected and a tracking number."""
    account, user, workspace = make_account("agency")
    connect_twilio(workspace)
    add_tracking_number(workspace)
    db.session.commit()
    return account, user, workspace


def add_endpoint(workspace, user, url, events=None):
    """Create an endpoint (committed) and return (endpoint, secret)."""
    created = create_endpoint(
        workspace,
        user,
        url,
        events or ALL_EVENTS,
        "CRM",
        allow_http=True,
        secret_key=TEST_SECRET,
    )
    db.session.commit()
    return created.endpoint, created.secret
