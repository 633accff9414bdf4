"""Campaigns and tracking numbers: newest-first pages and single objects."""

from __future__ import annotations

from flask import g, jsonify
from flask.typing import ResponseReturnValue

from ringtonic.api import bp
from ringtonic.api.conditional import (
    answers_conditionally,
    campaign_version,
    conditional_answer,
    number_version,
    page_version,
    weak_etag,
)
from ringtonic.api.pagination import decode_cursor, page_response
from ringtonic.api.params import QueryParams
from ringtonic.api.serializers import campaign_document, phone_number_document
from ringtonic.services.telephony.campaigns import get_campaign, list_campaigns_after
from ringtonic.services.telephony.numbers import get_number, list_numbers_after

CAMPAIGN_STATUSES = ("active", "archived")


@bp.get("/campaigns")
@answers_conditionally
def campaigns_list() -> ResponseReturnValue:
    """List the workspace's campaigns, newest first, optionally only active or archived."""
    params = QueryParams(("limit", "cursor", "status"))
    limit = params.limit()
    status = params.choice("status", CAMPAIGN_STATUSES)
    after = decode_cursor(params.text("cursor"))
    page = list_campaigns_after(g.workspace, status, after, limit)
    return conditional_answer(
        weak_etag(page_version(page, campaign_version)),
        lambda: page_response(page, campaign_document),
    )


@bp.get("/campaigns/<campaign_uuid>")
@answers_conditionally
def campaign_detail(campaign_uuid: str) -> ResponseReturnValue:
    """Return one campaign."""
    QueryParams(())
    campaign = get_campaign(g.workspace, campaign_uuid)
    return conditional_answer(
        weak_etag(campaign_version(campaign)), lambda: jsonify(campaign_document(campaign))
    )


@bp.get("/phone-numbers")
@answers_conditionally
def phone_numbers_list() -> ResponseReturnValue:
    """List the workspace's tracking numbers, newest first."""
    params = QueryParams(("limit", "cursor"))
    limit = params.limit()
    after = decode_cursor(params.text("cursor"))
    page = list_numbers_after(g.workspace, after, limit)
    return conditional_answer(
        weak_etag(page_version(page, number_version)),
        lambda: page_response(page, phone_number_document),
    )


@bp.get("/phone-numbers/<phone_number_uuid>")
@answers_conditionally
def phone_number_detail(phone_number_uuid: str) -> ResponseReturnValue:
    """Return one tracking number."""
    QueryParams(())
    number = get_number(g.workspace, phone_number_uuid)
    return conditional_answer(
        weak_etag(number_version(number)), lambda: jsonify(phone_number_document(number))
    )
