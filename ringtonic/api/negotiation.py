"""Content negotiation: each endpoint names the formats it answers in; others get 406."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request

from ringtonic.api.errors import ApiProblem

JSON = "application/json"
CSV = "text/csv"


def produces(*media_types: str) -> Callable[..., Any]:
    """Declare the formats a view can answer in, preferred first (default: JSON only)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        vars(view)["media_types"] = media_types  # a function attribute, read with getattr
        return view

    return decorator


def _offered() -> tuple[str, ...]:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "media_types", (JSON,))


def chosen_format(offered: tuple[str, ...] | None = None) -> str | None:
    """Return the offered format the Accept header prefers (the first when there is none)."""
    offered = offered or _offered()
    if not request.accept_mimetypes:
        return offered[0]
    return request.accept_mimetypes.best_match(offered)


def refuse_unacceptable_formats() -> None:
    """Answer 406 when the Accept header allows none of the endpoint's formats."""
    if request.method == "OPTIONS" or request.endpoint is None:
        return
    accept = request.headers.get("Accept")
    if not accept or accept.strip() == "*/*":
        return  # what most clients send: every endpoint answers that, no parsing needed
    offered = _offered()
    if chosen_format(offered) is None:
        raise ApiProblem("not_acceptable", f"This endpoint answers in {', '.join(offered)}.")
