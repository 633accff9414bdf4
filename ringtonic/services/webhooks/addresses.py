"""Where a webhook may be sent: public addresses only, checked on the resolved address."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ringtonic.ip_addresses import IPAddress, parse_ip
from ringtonic.services.errors import ValidationError
from ringtonic.services.url_parts import ascii_host

URL_MAX = 2048


class UnsafeAddress(Exception):
    """The endpoint's host resolves to an address deliveries may not reach (final)."""


class UnresolvableHost(Exception):
    """The endpoint's host name does not resolve now (retried: DNS may come back)."""


@dataclass(frozen=True)
class Target:
    """An endpoint URL pinned to one checked IP address."""

    scheme: str
    host: str
    ip: str
    port: int
    path: str


def check_url(raw: str, allow_http: bool) -> str:
    """Return the cleaned endpoint URL, or raise ValidationError (field "url")."""
    url = (raw or "").strip()
    if not url:
        raise ValidationError("Enter the URL that should receive the events.", "url")
    if len(url) > URL_MAX:
        raise ValidationError(f"The URL must be at most {URL_MAX:,} characters.", "url")
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        raise ValidationError("The URL cannot contain spaces or control characters.", "url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise ValidationError("That is not a valid URL.", "url") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        need = "http:// or https://" if allow_http else "https://"
        raise ValidationError(f"The URL must start with {need}.", "url")
    if not parts.hostname or parts.username or parts.password:
        raise ValidationError("The URL needs a host name and no user name or password.", "url")
    try:
        _host(parts.hostname)
    except UnicodeError:
        raise ValidationError("That is not a valid host name.", "url") from None
    if parts.fragment:
        raise ValidationError("The URL cannot have a #fragment.", "url")
    return url


def _host(hostname: str) -> str:
    """Return the host to resolve and to name in Host and TLS: ASCII, as a browser writes it."""
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return ascii_host(hostname)
    return hostname


def _refused(ip: IPAddress) -> bool:
    # Not global covers loopback, private, link-local (169.254.169.254, the cloud metadata
    # address), carrier-grade NAT, unique-local and reserved ranges.
    return not ip.is_global or ip.is_multicast


def resolve(url: str, allow_private: bool) -> Target:
    """Resolve the URL's host now and return a target pinned to a permitted address."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    hostname = parts.hostname or ""
    try:
        host = _host(hostname)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnresolvableHost(f"could not resolve {hostname}") from error
    # IPv4-mapped answers as IPv4: the check, and the address pinned, see what they are.
    addresses = [parse_ip(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnresolvableHost(f"could not resolve {hostname}")
    if not allow_private and any(_refused(ip) for ip in addresses):
        # Any refused address refuses the host: a name that also resolves inside the
        # network could be answered differently on the next lookup.
        raise UnsafeAddress(f"{host} resolves to a private or reserved address")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, str(addresses[0]), port, path)
