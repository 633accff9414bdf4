"""Twilio credentials: saved per workspace, the auth token encrypted at rest."""

from __future__ import annotations

import base64
import re
import uuid

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import TelephonyCredentials, User, Workspace
from ringtonic.services.audit import record_event
from ringtonic.services.errors import ValidationError

# Changing this label changes the key: every saved token would have to be entered again.
_KEY_INFO = b"ringtonic/telephony/twilio-auth-token/v1"
_ACCOUNT_SID_RE = re.compile(r"AC[0-9a-fA-F]{32}")
_AUTH_TOKEN_RE = re.compile(r"[0-9a-fA-F]{32}")


def _fernet(secret_key: str) -> Fernet:
    # A dedicated key per purpose: SECRET_KEY itself also signs sessions and CSRF tokens.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_auth_token(token: str, secret_key: str) -> str:
    """Return the token encrypted with a key derived from `secret_key`."""
    return _fernet(secret_key).encrypt(token.encode("utf-8")).decode("ascii")


def decrypt_auth_token(ciphertext: str, secret_key: str) -> str | None:
    """Return the plain token, or None when it cannot be decrypted (SECRET_KEY changed)."""
    try:
        return _fernet(secret_key).decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None


def get_credentials(workspace: Workspace) -> TelephonyCredentials | None:
    """Return the workspace's saved Twilio credentials, if any."""
    return db.session.scalar(
        select(TelephonyCredentials).where(TelephonyCredentials.workspace_id == workspace.id)
    )


def get_auth_token(workspace: Workspace, secret_key: str) -> str | None:
    """Return the workspace's plain Twilio auth token, or None when none is usable."""
    credentials = get_credentials(workspace)
    if credentials is None:
        return None
    return decrypt_auth_token(credentials.auth_token_encrypted, secret_key)


def check_account_sid(raw: str) -> str:
    """Return the trimmed Account SID or raise ValidationError."""
    sid = (raw or "").strip()
    if not _ACCOUNT_SID_RE.fullmatch(sid):
        raise ValidationError(
            "Enter the Account SID from the Twilio Console: AC followed by 32 letters and digits.",
            "account_sid",
        )
    return sid


def check_auth_token(raw: str) -> str:
    """Return the trimmed Auth Token or raise ValidationError."""
    token = (raw or "").strip()
    if not _AUTH_TOKEN_RE.fullmatch(token):
        raise ValidationError(
            "Enter the Auth Token from the Twilio Console: 32 letters and digits.", "auth_token"
        )
    return token


def save_credentials(
    workspace: Workspace,
    account_sid: str,
    auth_token: str,
    secret_key: str,
    actor: User | None = None,
    ip: str | None = None,
) -> TelephonyCredentials:
    """Save the workspace's Twilio credentials; a blank token keeps the saved one."""
    sid = check_account_sid(account_sid)
    credentials = get_credentials(workspace)
    token_given = bool((auth_token or "").strip())
    if not token_given and credentials is None:
        raise ValidationError("Enter the Auth Token from the Twilio Console.", "auth_token")
    if credentials is None:
        credentials = TelephonyCredentials(workspace_id=workspace.id)
        db.session.add(credentials)
    credentials.account_sid = sid
    if token_given:
        token = check_auth_token(auth_token)
        credentials.auth_token_encrypted = encrypt_auth_token(token, secret_key)
        credentials.token_hint = token[-4:]
    db.session.flush()
    record_event(
        actor,
        "telephony.credentials_saved",
        account_id=workspace.account_id,
        workspace=workspace,
        target=sid,
        ip=ip,
        details={"auth_token_changed": token_given},
    )
    return credentials


def find_webhook_workspace(workspace_uuid: str) -> Workspace | None:
    """Return the workspace a webhook URL names (any account), or None."""
    try:
        wanted = uuid.UUID(workspace_uuid)
    except ValueError:
        return None
    return db.session.scalar(select(Workspace).where(Workspace.uuid == wanted))
