"""Free TCP ports on 127.0.0.1 for the real servers tests start."""

from __future__ import annotations

import socket


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
