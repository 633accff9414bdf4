"""The opening every Twilio callback shares: signature, params, refusals, unknown calls."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import Response, current_app, g, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from ringtonic.extensions import db
from ringtonic.hooks.urls import requested_public_url
from ringtonic.models import Call, Workspace
from ringtonic.services.calls.ingest import call_sid, find_call
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.telephony.credentials import find_webhook_workspace, get_auth_token

# The logger these warnings have always gone to: operators' log filters name it.
log = logging.getLogger("ringtonic.hooks.views")

# A callback view: the verified workspace and the request's form params in, a response out.
CallbackView = Callable[[Workspace, dict], Response]


def twiml(reply: VoiceResponse) -> Response:
    """Return TwiML as Twilio expects it."""
    return Response(str(reply), mimetype="text/xml")


def refuse(status: int) -> Response:
    """Answer with an empty body: nothing for an unauthenticated sender to learn."""
    return Response("", status=status, mimetype="text/plain")


def verified_workspace(workspace_uuid: str) -> Workspace | Response:
    """Return the workspace if the request carries its valid Twilio signature, else a refusal."""
    workspace = find_webhook_workspace(workspace_uuid)
    if workspace is None:
        return refuse(404)
    token = get_auth_token(workspace, current_app.config["SECRET_KEY"])
    signature = request.headers.get("X-Twilio-Signature", "")
    if token is None or not signature:
        return refuse(403)
    if not RequestValidator(token).validate(requested_public_url(), request.form, signature):
        log.warning("Twilio webhook for workspace %s: bad signature, refused", workspace.uuid)
        return refuse(403)
    return workspace


def refuse_invalid(workspace: Workspace, error: ValidationError) -> Response:
    """Refuse a signed but unusable webhook (400); the reason goes to the operator's log."""
    db.session.rollback()
    log.warning("Twilio webhook for workspace %s refused: %s", workspace.uuid, error.message)
    return refuse(400)


def log_unknown_number(workspace: Workspace, params: dict) -> None:
    """Note a call to a number this workspace does not track (or a call it never stored)."""
    g.webhook_outcome = "unknown_number"
    log.warning(
        "Twilio call %s to %s: not a tracking number of workspace %s",
        params.get("CallSid", "?"),
        params.get("To", "?"),
        workspace.uuid,
    )


def stored_call(workspace: Workspace, params: dict) -> Call:
    """Return the workspace's call named by the params' CallSid; NotFound if never stored."""
    call = find_call(workspace, call_sid(params))
    if call is None:
        raise NotFound("No call with this CallSid.", "CallSid")
    return call


def twilio_callback(
    unknown: Callable[[VoiceResponse], object] | None = None,
) -> Callable[[CallbackView], Callable[[str], Response]]:
    """Wrap a callback view: verify the workspace's signature, then pass (workspace, params).

    A ValidationError from the view is refused with 400; a NotFound (unknown number or
    CallSid) is rolled back, logged and answered with TwiML, `unknown` adding its verb
    (reject, hangup) to the reply.
    """

    def decorate(view: CallbackView) -> Callable[[str], Response]:
        @functools.wraps(view)
        def callback(workspace_uuid: str) -> Response:
            workspace = verified_workspace(workspace_uuid)
            if isinstance(workspace, Response):
                return workspace
            params = request.form.to_dict()
            try:
                return view(workspace, params)
            except ValidationError as error:
                return refuse_invalid(workspace, error)
            except NotFound:
                db.session.rollback()
                log_unknown_number(workspace, params)
                reply = VoiceResponse()
                if unknown is not None:
                    unknown(reply)
                return twiml(reply)

        return callback

    return decorate
