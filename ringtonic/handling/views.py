"""Blocked numbers (workspace and account), the Blocked calls log, spam, campaign call flows."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ringtonic.extensions import db
from ringtonic.handling import bp
from ringtonic.handling.forms import BlockForm, CallFlowForm, ConfirmForm, SpamForm
from ringtonic.models.handling import BLOCK_REASON_LABELS, WEEKDAYS
from ringtonic.services.calls.queries import get_call
from ringtonic.services.errors import InvalidFields, NotFound, ServiceError
from ringtonic.services.handling.blocks import (
    account_blocks,
    block_in_account,
    block_in_workspace,
    blocked_calls_page,
    check_block_input,
    get_block,
    unblock,
    workspace_blocks,
)
from ringtonic.services.handling.flows import flow_for_editing, flow_form_values, save_flow
from ringtonic.services.handling.spam import set_call_spam
from ringtonic.services.telephony.campaigns import get_campaign
from ringtonic.view_helpers.access import client_ip, current_user_can, current_workspace, requires
from ringtonic.view_helpers.forms import attach_error, saved, submit_form


def _blocked_page(form: BlockForm, account_form: BlockForm, status: int = 200):
    workspace = current_workspace()
    may_manage_account = current_user_can("manage_account_blocked_numbers")
    return render_template(
        "handling/blocked_numbers.html",
        workspace=workspace,
        form=form,
        account_form=account_form,
        confirm_form=ConfirmForm(),
        entries=workspace_blocks(workspace),
        account_entries=account_blocks(current_user.account) if may_manage_account else [],
        may_manage_account=may_manage_account,
        reasons=BLOCK_REASON_LABELS,
    ), status


@bp.get("/settings/blocked-numbers")
@requires("manage_blocked_numbers")
def blocked_numbers():
    """List the workspace's (and, for admins, the account's) blocked numbers."""
    return _blocked_page(BlockForm(), BlockForm(prefix="account"))


def _add_block(form: BlockForm, account_form: BlockForm, add) -> object:
    target = account_form if add is block_in_account else form

    def save():
        block = check_block_input(target.number.data, target.reason.data, target.note.data)
        owner = current_user.account if add is block_in_account else current_workspace()
        return add(owner, block, current_user, client_ip())

    return submit_form(
        target,
        save,
        lambda status: _blocked_page(form, account_form, status),
        lambda entry: saved(f"{entry.number} blocked.", url_for("handling.blocked_numbers")),
        error_field="number",
    )


@bp.post("/settings/blocked-numbers")
@requires("manage_blocked_numbers")
def add_blocked_number():
    """Block a number in the current workspace."""
    return _add_block(BlockForm(), BlockForm(prefix="account", formdata=None), block_in_workspace)


@bp.post("/settings/blocked-numbers/account")
@requires("manage_account_blocked_numbers")
def add_account_blocked_number():
    """Block a number in every workspace of the account."""
    return _add_block(BlockForm(formdata=None), BlockForm(prefix="account"), block_in_account)


def _remove_block(block_uuid: str, workspace) -> object:
    try:
        entry = get_block(current_user.account, workspace, block_uuid)
    except NotFound:
        abort(404)
    if ConfirmForm().validate_on_submit():
        unblock(entry, current_user, client_ip())
        db.session.commit()
        flash(f"{entry.number} unblocked.", "success")
    return redirect(url_for("handling.blocked_numbers"))


@bp.post("/settings/blocked-numbers/<block_uuid>/delete")
@requires("manage_blocked_numbers")
def remove_blocked_number(block_uuid: str):
    """Remove a number from the workspace's list."""
    return _remove_block(block_uuid, current_workspace())


@bp.post("/settings/blocked-numbers/account/<block_uuid>/delete")
@requires("manage_account_blocked_numbers")
def remove_account_blocked_number(block_uuid: str):
    """Remove a number from the account's list."""
    return _remove_block(block_uuid, None)


@bp.get("/calls/blocked")
@requires("manage_blocked_numbers")
def blocked_calls():
    """List the calls refused in the last 90 days (never in reports)."""
    workspace = current_workspace()
    before = request.args.get("before", type=int)
    attempts = blocked_calls_page(workspace, 101, before)
    return render_template(
        "handling/blocked_calls.html",
        workspace=workspace,
        attempts=attempts[:100],
        next_before=attempts[99].id if len(attempts) > 100 else None,
        reasons=BLOCK_REASON_LABELS,
    )


@bp.post("/calls/<call_uuid>/spam")
@requires("manage_calls")
def mark_spam(call_uuid: str):
    """Mark a call as spam (block its caller, out of reports), or undo it."""
    workspace = current_workspace()
    try:
        call = get_call(workspace, call_uuid)
    except NotFound:
        abort(404)
    form = SpamForm()
    if form.validate_on_submit() and form.spam.data in ("true", "false"):
        spam = form.spam.data == "true"
        set_call_spam(workspace, call, spam, current_user, client_ip())
        db.session.commit()
        flash(
            "Marked as spam: the caller is blocked and their calls are out of reports."
            if spam
            else "No longer spam: the caller is unblocked and their calls are back in reports.",
            "success",
        )
    else:
        flash("That did not work; try again.", "error")
    return redirect(url_for("calls.detail", call_uuid=call.uuid))


def _campaign_or_404(campaign_uuid: str):
    try:
        return get_campaign(current_workspace(), campaign_uuid)
    except NotFound:
        abort(404)


def _flow_page(campaign, form: CallFlowForm, status: int = 200):
    return render_template(
        "handling/call_flow.html",
        campaign=campaign,
        form=form,
        weekdays=WEEKDAYS,
        workspace=current_workspace(),
    ), status


@bp.get("/campaigns/<campaign_uuid>/call-flow")
@requires("manage_campaigns")
def call_flow(campaign_uuid: str):
    """Show a campaign's call flow settings."""
    campaign = _campaign_or_404(campaign_uuid)
    values = flow_form_values(flow_for_editing(campaign))
    return _flow_page(campaign, CallFlowForm(data=values))


@bp.post("/campaigns/<campaign_uuid>/call-flow")
@requires("manage_campaigns")
def save_call_flow(campaign_uuid: str):
    """Save a campaign's call flow settings."""
    campaign = _campaign_or_404(campaign_uuid)
    form = CallFlowForm()
    if not form.validate_on_submit():
        return _flow_page(campaign, form, 400)
    try:
        save_flow(campaign, form.data)
    except InvalidFields as errors:
        db.session.rollback()
        for field, message in errors.errors:
            attach_error(form, ServiceError(message, field))
        return _flow_page(campaign, form, 400)
    db.session.commit()
    flash("Call flow saved.", "success")
    return redirect(url_for("handling.call_flow", campaign_uuid=campaign.uuid))
