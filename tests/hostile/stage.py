"""The scene every hostile input is tried against, and the ways of sending one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.test import TestResponse

from ringtonic.extensions import db
from ringtonic.models import Account, Call, Campaign, PhoneNumber, User, Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.accounts import create_account
from tests.support.keys import api_get, bearer, issue_key
from tests.support.telephony_helpers import add_tracking_number, connect_twilio, post_signed
from tests.support.web_client import PASSWORD, csrf_token, hidden_fields, sign_in

ADMIN_EMAIL = "admin@example.com"
# Small enough that the 413 cases stay cheap, large enough for every overlong-field case.
MAX_BODY_BYTES = 256 * 1024
OVER_LIMIT = "x" * (MAX_BODY_BYTES + 1024)
CALLER = "+15125550123"


@dataclass
class Stage:
    """An Agency workspace with Twilio, a number, a call and a read-write key; an admin signed
    in; a visitor."""

    app: Flask
    client: FlaskClient  # signed in as the account's admin
    visitor: FlaskClient  # signed out
    token: str
    workspace_field: str  # the hidden form_workspace value of the admin's forms
    visitor_token: str
    account: Account
    admin: User
    workspace: Workspace
    campaign: Campaign
    number: PhoneNumber
    call: Call
    secret: str

    @property
    def voice_path(self) -> str:
        return f"/hooks/twilio/voice/{self.workspace.uuid}"

    @property
    def status_path(self) -> str:
        return f"/hooks/twilio/status/{self.workspace.uuid}"


def build_stage(app: Flask) -> Stage:
    """Create the scene (committed) and sign the admin in."""
    account, admin, workspace = create_account("Hostile Agency", ADMIN_EMAIL, PASSWORD, "agency")
    db.session.commit()
    connect_twilio(workspace)
    number = add_tracking_number(workspace)
    campaign = db.session.get(Campaign, number.campaign_id)
    call = Call(
        workspace_id=workspace.id,
        campaign_id=campaign.id,
        phone_number_id=number.id,
        tracking_number=number.number,
        caller_number=CALLER,
        started_at=utcnow(),
        status="answered",
    )
    db.session.add(call)
    db.session.commit()
    secret = issue_key(workspace, admin, access="read_write")
    client, visitor = app.test_client(), app.test_client()
    sign_in(client, ADMIN_EMAIL)
    # Record the key's last use now, so the requests under test only read its row.
    assert api_get(client, "/api/v1/me", secret).status_code == 200
    return Stage(
        app=app,
        client=client,
        visitor=visitor,
        token=csrf_token(client, "/settings/profile"),
        workspace_field=hidden_fields(client, "/settings/profile")["form_workspace"],
        visitor_token=csrf_token(visitor, "/login"),
        account=account,
        admin=admin,
        workspace=workspace,
        campaign=campaign,
        number=number,
        call=call,
        secret=secret,
    )


Send = Callable[[Stage], TestResponse]
Check = Callable[[Stage, TestResponse], None]


@dataclass(frozen=True)
class Case:
    """One hostile input: how to send it, and the answer it must get.

    Refused inputs (accepted=False) must leave every table exactly as it was. Accepted
    ones are odd but valid (emoji in a name): `check` proves they are shown escaped.
    """

    id: str
    channel: str
    send: Send
    status: int
    shows: str | None = None  # text the page must show, or the problem `code`
    accepted: bool = False
    check: Check | None = None
    logs: str | None = None  # what the operator's log must say (webhooks answer bare)
    # Refused with a redirect (followed) to a page that says why, not with a 4xx.
    redirected: bool = False


def page_shows(response: TestResponse, text: str) -> bool:
    """Return whether an HTML answer shows `text` (as HTML-escaped text)."""
    return str(escape(text)) in response.get_data(as_text=True)


def form(
    case_id: str,
    path: str,
    data: dict,
    status: int = 400,
    shows: str | None = None,
    *,
    signed_out: bool = False,
    check: Check | None = None,
    follow: bool = False,
) -> Case:
    """A browser form POST (with its CSRF token), signed in as the admin unless signed_out.

    `follow` follows a redirect, for answers that say what happened on the next page.
    """

    def send(stage: Stage) -> TestResponse:
        client = stage.visitor if signed_out else stage.client
        token = stage.visitor_token if signed_out else stage.token
        # A value may be worked out from the stage (a callable), e.g. the workspace id.
        values = {name: value(stage) if callable(value) else value for name, value in data.items()}
        sent = {"csrf_token": token, **values}
        if not signed_out:
            sent.setdefault("form_workspace", stage.workspace_field)
        return client.post(path.format(stage=stage), data=sent, follow_redirects=follow)

    return Case(
        case_id,
        "form",
        send,
        status,
        shows,
        accepted=check is not None,
        check=check,
        redirected=follow,
    )


def page(case_id: str, path: str, status: int, shows: str) -> Case:
    """A signed-in GET with hostile query parameters."""
    return Case(case_id, "form", lambda stage: stage.client.get(path), status, shows)


def api(
    case_id: str,
    path: str,
    status: int,
    code: str,
    *,
    headers: dict | None = None,
    environ: dict | None = None,
    method: str = "GET",
    keyed: bool = True,
) -> Case:
    """An API request; `keyed` sends the stage's valid key unless `headers` replace it."""

    def send(stage: Stage) -> TestResponse:
        sent = {**(bearer(stage.secret) if keyed else {}), **(headers or {})}
        return stage.client.open(
            path, method=method, headers=sent, environ_overrides=environ or {}, buffered=True
        )

    return Case(case_id, "api", send, status, code)


def webhook(
    case_id: str,
    params: dict,
    status: int = 400,
    *,
    kind: str = "voice",
    logs: str | None = None,
    check: Check | None = None,
) -> Case:
    """A Twilio webhook signed with the workspace's token: only its content is hostile."""

    def send(stage: Stage) -> TestResponse:
        # voice, status, gate, whisper, recording or transcription
        return post_signed(stage.visitor, f"/hooks/twilio/{kind}/{stage.workspace.uuid}", params)

    return Case(
        case_id, "webhook", send, status, accepted=check is not None, check=check, logs=logs
    )


def upload(
    case_id: str,
    content: bytes,
    status: int = 400,
    shows: str | None = None,
    *,
    filename: str = "calls.csv",
    check: Check | None = None,
) -> Case:
    """A CSV file sent through Calls → Import."""

    def send(stage: Stage) -> TestResponse:
        data = {
            "csrf_token": stage.token,
            "form_workspace": stage.workspace_field,
            "file": (BytesIO(content), filename),
        }
        return stage.client.post("/calls/import", data=data, content_type="multipart/form-data")

    return Case(case_id, "import", send, status, shows, accepted=check is not None, check=check)


def raw(case_id: str, channel: str, send: Send, status: int, shows: str | None = None) -> Case:
    """Anything else: the request is built by `send`."""
    return Case(case_id, channel, send, status, shows)
