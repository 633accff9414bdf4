"""Client and server IP addresses as one address each, whatever the socket wrote.

A leaf module (no app imports): the rate limits, the visitor locator and the webhook
address checks read addresses through it.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: str) -> IPAddress:
    """Return the address `text` names, an IPv4-mapped IPv6 one as its IPv4 address.

    A dual-stack socket (a server bound to `[::]`) writes an IPv4 client as
    `::ffff:203.0.113.9`; it is the same client as `203.0.113.9`. Raises ValueError for
    text that is no address.
    """
    ip = ipaddress.ip_address(text)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip
