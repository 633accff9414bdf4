"""Views of Settings → Website tracking: the snippet, allowed domains, numbers and the pool."""

from __future__ import annotations

from flask import abort, render_template, url_for
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Campaign, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.telephony.phones import format_for_display
from ringtonic.services.tracking.config import TrackerConfig, tracker_config
from ringtonic.services.tracking.leases import pool_use
from ringtonic.services.tracking.settings import TrackerChoices, get_settings, save_settings
from ringtonic.services.url_parts import display_host
from ringtonic.settings import bp
from ringtonic.settings.website_forms import WebsiteTrackingForm
from ringtonic.view_helpers.access import current_workspace, requires
from ringtonic.view_helpers.forms import saved, submit_form
from ringtonic.website.views import snippet_url


def _campaign_choices(workspace) -> list[tuple[str, str]]:
    campaigns = db.session.scalars(
        select(Campaign)
        .where(
            Campaign.workspace_id == workspace.id,
            Campaign.type == "website",
            Campaign.archived_at.is_(None),
        )
        .order_by(Campaign.name)
    ).all()
    return [("", "No pool yet")] + [(str(c.uuid), c.name) for c in campaigns]


def _website_page(form: WebsiteTrackingForm, status: int = 200):
    workspace = current_workspace()
    settings = get_settings(workspace)
    return render_template(
        "settings/website.html",
        form=form,
        workspace=workspace,
        settings=settings,
        snippet=f'<script async src="{snippet_url(workspace.uuid)}"></script>',
        pool=pool_use(_tracker_config(workspace), utcnow()),
    ), status


def _form_for(workspace) -> WebsiteTrackingForm:
    form = WebsiteTrackingForm()
    form.campaign.choices = _campaign_choices(workspace)
    return form


def _choices(form: WebsiteTrackingForm) -> TrackerChoices:
    return TrackerChoices(
        campaign_uuid=form.campaign.data or "",
        allowed_domains=form.allowed_domains.data or "",
        replace_numbers=form.replace_numbers.data or "",
        lease_minutes=form.lease_minutes.data,
        cooldown_minutes=form.cooldown_minutes.data,
        form_fields=form.form_fields.data,
        require_consent=form.require_consent.data,
        honor_gpc=form.honor_gpc.data,
    )


@bp.get("/website")
@requires("manage_website_tracking")
def website():
    """Show the tracker snippet, its settings and the pool's use."""
    workspace = current_workspace()
    settings = get_settings(workspace)
    campaign_uuid = ""
    if settings.campaign_id is not None:
        campaign = db.session.get(Campaign, settings.campaign_id)
        campaign_uuid = str(campaign.uuid) if campaign else ""
    form = _form_for(workspace)
    if not form.is_submitted():
        form.campaign.data = campaign_uuid
        form.allowed_domains.data = "\n".join(
            display_host(domain) for domain in settings.allowed_domains or ()
        )
        form.replace_numbers.data = "\n".join(
            format_for_display(n) for n in settings.replace_numbers or ()
        )
        form.lease_minutes.data = settings.lease_minutes
        form.cooldown_minutes.data = settings.cooldown_minutes
        form.form_fields.data = settings.form_fields
        form.require_consent.data = settings.require_consent
        form.honor_gpc.data = settings.honor_gpc
    return _website_page(form)


@bp.post("/website")
@requires("manage_website_tracking")
def website_save():
    """Save the tracker settings."""
    workspace = current_workspace()
    form = _form_for(workspace)
    return submit_form(
        form,
        lambda: save_settings(workspace, _choices(form)),
        lambda status: _website_page(form, status),
        lambda _: saved("Website tracking saved.", url_for("settings.website")),
        error_field="allowed_domains",
    )


def _tracker_config(workspace: Workspace) -> TrackerConfig:
    """Return the current workspace's tracker config (it exists: the workspace was loaded)."""
    config = tracker_config(db.engine, str(workspace.uuid))
    if config is None:
        abort(404)
    return config
