"""Hostile input through Settings → Webhooks (the endpoint form)."""

from __future__ import annotations

from tests.hostile.checks import EMOJI, RTL, SQL, shown_escaped
from tests.hostile.stage import form

HOOKS = "/settings/webhooks"
EVENTS = ["call.completed"]

OUTBOUND_WEBHOOK_CASES = [
    form(
        "webhook-url-overlong",
        HOOKS,
        {"url": "https://crm.example.com/" + "a" * 3000, "events": EVENTS},
        400,
        "at most 2,048 characters",
    ),
    form(
        "webhook-url-javascript",
        HOOKS,
        {"url": "javascript:alert(1)", "events": EVENTS},
        400,
        "must start with https://",
    ),
    form(
        "webhook-url-plain-http",
        HOOKS,
        {"url": "http://crm.example.com/in", "events": EVENTS},
        400,
        "must start with https://",
    ),
    form(
        "webhook-url-nul",
        HOOKS,
        {"url": "https://crm.example.com/\x00", "events": EVENTS},
        400,
        "spaces or control characters",
    ),
    form(
        "webhook-url-credentials",
        HOOKS,
        {"url": "https://admin:pw@crm.example.com/", "events": EVENTS},
        400,
        "no user name or password",
    ),
    form(
        "webhook-url-bad-port",
        HOOKS,
        {"url": "https://crm.example.com:99999/", "events": EVENTS},
        400,
        "not a valid URL",
    ),
    form("webhook-events-none", HOOKS, {"url": "https://crm.example.com/"}, 400, "at least one"),
    form(
        "webhook-events-sql",
        HOOKS,
        {"url": "https://crm.example.com/", "events": [SQL]},
        400,
        "Unknown event type",
    ),
    form(
        "webhook-description-control",
        HOOKS,
        {"url": "https://crm.example.com/", "events": EVENTS, "description": "a\x1bb"},
        400,
        "one line",
    ),
    form(
        "webhook-description-overlong",
        HOOKS,
        {"url": "https://crm.example.com/", "events": EVENTS, "description": "d" * 201},
        400,
        "at most 200 characters",
    ),
    form(
        "webhook-url-markup-query",
        HOOKS,
        {"url": "https://crm.example.com/in?q=<script>alert(1)</script>", "events": EVENTS},
        201,
        check=shown_escaped(HOOKS, "https://crm.example.com/in?q=<script>alert(1)</script>"),
    ),
    form(
        "webhook-description-emoji-rtl",
        HOOKS,
        {"url": "https://crm.example.com/", "events": EVENTS, "description": EMOJI + RTL},
        201,
        check=shown_escaped(HOOKS, EMOJI + RTL),
    ),
]
