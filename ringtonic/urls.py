"""Absolute URLs the app hands out: built on RINGTONIC_PUBLIC_URL when it is set.

Pagination links, invitation links, webhook URLs and the API's documented address
leave the request that made them: behind a proxy the request's own host, scheme and
mount point may be internal ones. The public URL carries the scheme, host and any
path prefix (https://example.com/ringtonic); a path built here is appended to it.
"""

from __future__ import annotations

from flask import current_app, request, url_for


def public_url() -> str | None:
    """Return RINGTONIC_PUBLIC_URL (no trailing slash), or None when it is not set."""
    # Stripped here too: tests and embedders may set the config key without config.py.
    return (current_app.config.get("RINGTONIC_PUBLIC_URL") or "").rstrip("/") or None


def base_url() -> str:
    """Return the public URL, or else the address this request came in on (with its mount point)."""
    return public_url() or request.url_root.rstrip("/")


def absolute_url_for(endpoint: str, **values) -> str:
    """Return the absolute URL of `endpoint`, as url_for(_external=True) but on the public URL."""
    # url_for includes the mount point (script root); the base URL already does.
    path = url_for(endpoint, **values)[len(request.script_root) :]
    return base_url() + path


def absolute_url_of_request(query: str = "") -> str:
    """Return the absolute URL of this request's path with `query` (already encoded)."""
    return base_url() + request.path + (f"?{query}" if query else "")


def api_root_url() -> str:
    """Return the API's base URL: absolute on the public URL, else relative to this server."""
    # Without a configured public URL the Host header is the only hint, and a document
    # others may cache must not echo a forged one: a relative URL resolves correctly.
    return (public_url() or request.script_root) + "/api/v1"
