"""Helpers shared by the team tests: add a teammate, invite through the form, read the link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ringtonic.extensions import db
from ringtonic.models import Account, User
from ringtonic.services.accounts.passwords import hash_password
from tests.support.web_client import PASSWORD, post_form

LINK_RE = re.compile(r'<code id="invitation-link">([^<]+)</code>')


def add_member(account: Account, email: str, role: str) -> User:
    """Add a user to the account directly (committed), as if they had accepted long ago."""
    user = User(
        account_id=account.id, email=email, password_hash=hash_password(PASSWORD), role=role
    )
    db.session.add(user)
    db.session.commit()
    return user


def invite(client, email: str, role: str = "member"):
    """Invite through Settings → Team; return the response and the link's path (or None)."""
    response = post_form(
        client, "/settings/team/invitations", {"email": email, "role": role}, page="/settings/team"
    )
    match = LINK_RE.search(response.get_data(as_text=True))
    return response, (urlsplit(match.group(1)).path if match else None)
