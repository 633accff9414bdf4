"""URLs that come from outside (a page, an Origin, a redirect target), split without raising."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


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
