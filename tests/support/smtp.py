"""A real SMTP server for tests (aiosmtpd) and the app's settings to reach it."""

from __future__ import annotations

from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from ringtonic.config import SmtpSettings
from tests.support.ports import free_port


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def start_server(handler: Inbox, **server_options) -> Controller:
    """Start a real SMTP server on 127.0.0.1 delivering to `handler`; stop it when done."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **server_options)
    controller.start()
    handler.port = controller.port
    return controller


def smtp_settings(port: int, **overrides) -> SmtpSettings:
    """Return settings that send through the local server on `port`, as the app reads them."""
    values = dict(
        host="127.0.0.1",
        port=port,
        implicit_tls=False,
        username=None,
        password=None,
        sender="ringtonic@agency.example",
    )
    return SmtpSettings(**{**values, **overrides})
