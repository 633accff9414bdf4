"""Conditional GETs for pollers: weak ETags from change times and counts, 304 free of quota.

An ETag is derived from what decides a representation (each object's id and change time,
the names of the objects it refers to, how many there are), never from the encoded body:
a 304 skips serializing, encoding and compressing, and is not counted against the key's
quota. `Cache-Control: private, no-cache` keeps shared caches from serving one key's data
to another while letting the client revalidate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, request

from ringtonic.api.pending_keys import confirming_key
from ringtonic.models import Call, Campaign, PhoneNumber
from ringtonic.services.calls.keyset import KeysetPage

T = TypeVar("T")

CACHE_CONTROL = "private, no-cache"


def weak_etag(*parts: object) -> str:
    """Return the opaque value of a weak ETag for these version parts and this query."""
    text = repr((request.path, sorted(request.args.items(multi=True)), parts))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _campaign_version(campaign: Campaign | None) -> tuple[Any, ...]:
    if campaign is None:
        return ()
    return (campaign.id, campaign.name, campaign.type, campaign.status, campaign.archived_at)


def _number_version(number: PhoneNumber | None) -> tuple[Any, ...]:
    if number is None:
        return ()
    return (
        number.id,
        number.number,
        number.friendly_name,
        number.forwarding_number,
        number.source,
        number.medium,
        _campaign_version(number.campaign),
    )


def call_version(call: Call) -> tuple[Any, ...]:
    """Return what decides a call's document: its change time and the objects it names."""
    visit = call.visitor_session
    return (
        call.id,
        call.updated_at,
        _number_version(call.phone_number),
        _campaign_version(call.campaign),
        visit.id if visit is not None else None,
    )


def campaign_version(campaign: Campaign) -> tuple[Any, ...]:
    """Return what decides a campaign's document."""
    return _campaign_version(campaign)


def number_version(number: PhoneNumber) -> tuple[Any, ...]:
    """Return what decides a tracking number's document."""
    return _number_version(number)


def page_version(
    page: KeysetPage[T], item_version: Callable[[T], tuple[Any, ...]]
) -> tuple[Any, ...]:
    """Return a page's version: how many items, whether more follow, each item's version."""
    return (len(page.items), page.has_more, tuple(item_version(item) for item in page.items))


def conditional_answer(tag: str, build: Callable[[], Response]) -> Response:
    """Answer 304 when the client holds this version, else build the answer with its ETag."""
    if request.if_none_match.contains_weak(tag):
        return not_modified(tag)
    response = build()
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def not_modified(tag: str) -> Response:
    """Answer 304 Not Modified for the version the client holds."""
    response = Response(status=304)
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def answers_conditionally(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose quota charge (and key confirmation) waits for its answer.

    Its key may come from memory unconfirmed (api.pending_keys): the view confirms it
    with the generation its version read returns, or the wrapper does before answering.
    """
    wrapper = confirming_key(view)
    wrapper.answers_conditionally = True  # type: ignore[attr-defined]  # a flag on the view
    return wrapper


def charge_is_deferred() -> bool:
    """Say whether this request's quota charge waits for the answer (a revalidation)."""
    if request.method not in ("GET", "HEAD") or "If-None-Match" not in request.headers:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "answers_conditionally", False)
