"""Webhook endpoints for tests: every call event, a known signing key."""

from __future__ import annotations

from ringtonic.extensions import db
from ringtonic.services.webhooks.endpoints import create_endpoint
from tests.support.web_client import TEST_SECRET

ALL_EVENTS = ["call.started", "call.completed", "call.missed", "call.updated", "call.blocked"]


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
