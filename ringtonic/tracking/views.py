"""Views of Campaigns (/campaigns) and Numbers (/numbers)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ringtonic.extensions import db
from ringtonic.models import Campaign, PhoneNumber, Workspace
from ringtonic.services.accounts import policy
from ringtonic.services.errors import NotFound, ServiceError
from ringtonic.services.telephony.campaigns import (
    count_recent_calls,
    create_campaign,
    get_campaign,
    list_active_campaigns,
    list_campaign_numbers,
    list_campaigns,
    set_campaign_archived,
    update_campaign,
)
from ringtonic.services.telephony.numbers import (
    NumberDetails,
    add_number,
    get_number,
    list_numbers,
    update_number,
)
from ringtonic.services.telephony.phones import format_for_display
from ringtonic.tracking import bp
from ringtonic.tracking.forms import CampaignForm, ConfirmForm, NumberForm
from ringtonic.view_helpers.access import client_ip, current_workspace, requires
from ringtonic.view_helpers.forms import undo_and_attach_error

# Suggestions offered while typing a number's source and medium (free text is allowed).
SOURCE_SUGGESTIONS = (
    "Google Business Profile",
    "Google Ads",
    "Website",
    "Bing Places",
    "Yelp",
    "Facebook",
    "Nextdoor",
    "Direct mail",
    "Billboard",
)
MEDIUM_SUGGESTIONS = ("organic", "cpc", "referral", "social", "print", "offline")


@bp.context_processor
def _template_helpers() -> dict:
    return {"display_number": format_for_display}


def _may(permission: str) -> bool:
    return policy.can(current_user, permission)


def _campaign_or_404(workspace: Workspace, campaign_uuid: str) -> Campaign:
    try:
        return get_campaign(workspace, campaign_uuid)
    except NotFound:
        abort(404)


def _number_or_404(workspace: Workspace, number_uuid: str) -> PhoneNumber:
    try:
        return get_number(workspace, number_uuid)
    except NotFound:
        abort(404)


def _campaigns_page(form: CampaignForm, status: int = 200):
    workspace = current_workspace()
    return render_template(
        "tracking/campaigns.html",
        form=form,
        summaries=list_campaigns(workspace),
        can_manage=_may("manage_campaigns"),
    ), status


@bp.get("/campaigns")
@requires("view_data")
def campaigns():
    """List the workspace's campaigns with their calls in the last 30 days."""
    return _campaigns_page(CampaignForm())


@bp.post("/campaigns")
@requires("manage_campaigns")
def create_campaign_view():
    """Create a campaign."""
    form = CampaignForm()
    if not form.validate_on_submit():
        return _campaigns_page(form, 400)
    try:
        campaign = create_campaign(
            current_workspace(), form.name.data, form.type.data, current_user, client_ip()
        )
    except ServiceError as error:
        undo_and_attach_error(form, error, "name")
        return _campaigns_page(form, 400)
    db.session.commit()
    flash(f"Campaign “{campaign.name}” created.", "success")
    return redirect(url_for("tracking.campaign", campaign_uuid=campaign.uuid))


def _campaign_page(campaign: Campaign, form: CampaignForm, status: int = 200):
    return render_template(
        "tracking/campaign.html",
        campaign=campaign,
        form=form,
        confirm_form=ConfirmForm(),
        recent_calls=count_recent_calls(current_workspace(), campaign),
        numbers=list_campaign_numbers(campaign),
        can_manage=_may("manage_campaigns"),
    ), status


@bp.get("/campaigns/<campaign_uuid>")
@requires("view_data")
def campaign(campaign_uuid: str):
    """Show a campaign, its ID for API users and its numbers."""
    found = _campaign_or_404(current_workspace(), campaign_uuid)
    return _campaign_page(found, CampaignForm(obj=found))


@bp.post("/campaigns/<campaign_uuid>")
@requires("manage_campaigns")
def update_campaign_view(campaign_uuid: str):
    """Rename a campaign or change its type."""
    found = _campaign_or_404(current_workspace(), campaign_uuid)
    form = CampaignForm()
    if not form.validate_on_submit():
        return _campaign_page(found, form, 400)
    try:
        update_campaign(found, form.name.data, form.type.data, current_user, client_ip())
    except ServiceError as error:
        undo_and_attach_error(form, error, "name")
        return _campaign_page(found, form, 400)
    db.session.commit()
    flash("Campaign saved.", "success")
    return redirect(url_for("tracking.campaign", campaign_uuid=found.uuid))


def _set_archived(campaign_uuid: str, archived: bool):
    found = _campaign_or_404(current_workspace(), campaign_uuid)
    changed = ConfirmForm().validate_on_submit() and set_campaign_archived(
        found, archived, current_user, client_ip()
    )
    if changed:
        db.session.commit()
        state = "archived" if archived else "restored"
        flash(f"Campaign “{found.name}” {state}.", "success")
    return redirect(url_for("tracking.campaign", campaign_uuid=found.uuid))


@bp.post("/campaigns/<campaign_uuid>/archive")
@requires("manage_campaigns")
def archive_campaign(campaign_uuid: str):
    """Archive a campaign: it stays in reports, but new numbers cannot join it."""
    return _set_archived(campaign_uuid, True)


@bp.post("/campaigns/<campaign_uuid>/unarchive")
@requires("manage_campaigns")
def unarchive_campaign(campaign_uuid: str):
    """Make an archived campaign active again."""
    return _set_archived(campaign_uuid, False)


def _number_form(workspace: Workspace, current: PhoneNumber | None = None, **kwargs) -> NumberForm:
    form = NumberForm(**kwargs)
    campaigns = list_active_campaigns(workspace)
    if current is not None and current.campaign is not None and current.campaign.archived_at:
        campaigns.append(current.campaign)
    form.campaign.choices = [SelectChoice("", "No campaign")] + [
        SelectChoice(str(c.uuid), c.name + (" (archived)" if c.archived_at else ""))
        for c in campaigns
    ]
    return form


def _details(form: NumberForm) -> NumberDetails:
    return NumberDetails(
        number=form.number.data or "",
        forwarding_number=form.forwarding_number.data or "",
        friendly_name=form.friendly_name.data or "",
        campaign=form.campaign.data or "",
        source=form.source.data or "",
        medium=form.medium.data or "",
    )


def _numbers_page(form: NumberForm, status: int = 200):
    return render_template(
        "tracking/numbers.html",
        form=form,
        summaries=list_numbers(current_workspace()),
        can_manage=_may("manage_numbers"),
        sources=SOURCE_SUGGESTIONS,
        mediums=MEDIUM_SUGGESTIONS,
    ), status


@bp.get("/numbers")
@requires("view_data")
def numbers():
    """List the workspace's tracking numbers with their latest call."""
    return _numbers_page(_number_form(current_workspace()))


@bp.post("/numbers")
@requires("manage_numbers")
def add_number_view():
    """Add a tracking number."""
    workspace = current_workspace()
    form = _number_form(workspace)
    if not form.validate_on_submit():
        return _numbers_page(form, 400)
    try:
        added = add_number(workspace, _details(form), current_user, client_ip())
    except ServiceError as error:
        undo_and_attach_error(form, error, "number")
        return _numbers_page(form, 400)
    db.session.commit()
    flash(f"Tracking number {format_for_display(added.number)} added.", "success")
    return redirect(url_for("tracking.numbers"))


def _number_page(phone_number: PhoneNumber, form: NumberForm, status: int = 200):
    return render_template(
        "tracking/number.html",
        phone_number=phone_number,
        form=form,
        can_manage=_may("manage_numbers"),
        sources=SOURCE_SUGGESTIONS,
        mediums=MEDIUM_SUGGESTIONS,
    ), status


@bp.get("/numbers/<number_uuid>")
@requires("view_data")
def number(number_uuid: str):
    """Show a tracking number and, for managers, its edit form."""
    workspace = current_workspace()
    found = _number_or_404(workspace, number_uuid)
    form = _number_form(workspace, found, obj=found)
    form.campaign.data = str(found.campaign.uuid) if found.campaign else ""
    return _number_page(found, form)


@bp.post("/numbers/<number_uuid>")
@requires("manage_numbers")
def update_number_view(number_uuid: str):
    """Change a tracking number's settings."""
    workspace = current_workspace()
    found = _number_or_404(workspace, number_uuid)
    form = _number_form(workspace, found)
    if not form.validate_on_submit():
        return _number_page(found, form, 400)
    try:
        update_number(found, _details(form), current_user, client_ip())
    except ServiceError as error:
        undo_and_attach_error(form, error, "number")
        return _number_page(found, form, 400)
    db.session.commit()
    flash("Tracking number saved.", "success")
    return redirect(url_for("tracking.numbers"))
