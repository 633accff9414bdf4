"""URLs that come from outside (a page, an Origin, a redirect target): split without
raising, and host names written as browsers write them.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

import idna


def split_url(text: str) -> SplitResult | None:
    """Return the URL's parts, or None when it cannot be split (e.g. "http://[::1")."""
    try:
        return urlsplit(text)
    except ValueError:
        # urlsplit refuses a host with unbalanced IPv6 brackets; to a caller that is junk.
        return None


def url_host(text: str) -> str:
    """Return the URL's host name (lower case, no trailing dot), or "" if it has none."""
    parts = split_url(text)
    host = parts.hostname if parts is not None else None
    return (host or "").rstrip(".")


def ascii_host(host: str) -> str:
    """Return a host name as browsers write it (IDNA 2008, UTS #46); UnicodeError if none.

    Python's own "idna" codec, which socket and ssl use for a Unicode name, is IDNA 2003:
    it writes straße.de as strasse.de, another site, where a browser goes to (and sends in
    Origin) xn--strae-oqa.de; the same for the Greek final sigma. Names IDNA 2008 leaves
    out but browsers still accept (an emoji, an underscore) fall back to the codec, which
    writes them as browsers do.
    """
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        return host.encode("idna").decode("ascii")


def display_host(host: str) -> str:
    """Return an ASCII host name as people write it (xn--strae-oqa.de is straße.de)."""
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        # A name ascii_host kept in IDNA 2003 (an emoji) reads as the codec writes it back.
        try:
            return host.encode("ascii").decode("idna")
        except UnicodeError:
            return host
