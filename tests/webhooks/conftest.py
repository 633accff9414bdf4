"""Webhook tests: tasks run at once, loopback receivers allowed, short timeouts."""

from __future__ import annotations

import pytest

from ringtonic.extensions import db
from tests.support.telephony_helpers import add_tracking_number, connect_twilio
from tests.webhooks.receiver import running_receiver


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
