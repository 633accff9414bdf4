"""Test helpers for numbers, campaigns, Twilio credentials and signed webhooks."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from ringtonic.extensions import db
from ringtonic.models import Account, PhoneNumber, User, Workspace
from ringtonic.services.accounts.passwords import hash_password
from ringtonic.services.telephony.campaigns import create_campaign
from ringtonic.services.telephony.credentials import save_credentials
from ringtonic.services.telephony.numbers import NumberDetails, add_number
from tests.support.web_client import PASSWORD, TEST_SECRET

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT_SID = "AC" + "1" * 32
TRACKING = "+15125550147"
FORWARDING = "+15125550100"


def add_user(account: Account, email: str, role: str) -> User:
    """Add a committed user with `role` to the account."""
    user = User(
        account_id=account.id, email=email, password_hash=hash_password(PASSWORD), role=role
    )
    db.session.add(user)
    db.session.commit()
    return user


def connect_twilio(workspace: Workspace, token: str = AUTH_TOKEN) -> None:
    """Save (and commit) Twilio credentials for the workspace."""
    save_credentials(workspace, ACCOUNT_SID, token, TEST_SECRET)
    db.session.commit()


def add_tracking_number(
    workspace: Workspace,
    number: str = TRACKING,
    campaign_name: str | None = "Google Business Profile",
    source: str = "Google Business Profile",
    medium: str = "organic",
) -> PhoneNumber:
    """Add (and commit) a tracking number, in a new campaign when a name is given."""
    campaign = create_campaign(workspace, campaign_name, "static") if campaign_name else None
    phone_number = add_number(
        workspace,
        NumberDetails(
            number=number,
            forwarding_number=FORWARDING,
            friendly_name="GBP listing",
            campaign=str(campaign.uuid) if campaign else "",
            source=source,
            medium=medium,
        ),
    )
    db.session.commit()
    return phone_number


def voice_params(call_sid: str = "CA" + "a" * 32, **overrides: str) -> dict[str, str]:
    """Return the form Twilio posts for an incoming call (the fields Ring Tonic reads)."""
    params = {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": "+15125550123",
        "To": TRACKING,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "FromCity": "AUSTIN",
        "FromState": "TX",
        "FromZip": "78701",
        "FromCountry": "US",
    }
    params.update(overrides)
    return params


def post_signed(client, path: str, params: dict, token: str = AUTH_TOKEN):
    """POST `params` to `path` signed with `token`, exactly as Twilio signs webhooks."""
    url = "http://localhost" + path
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})
