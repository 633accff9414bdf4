"""Signing secrets (whsec_…, encrypted at rest) and the signature headers of a delivery.

`Ringtonic-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with one v1
per secret that currently signs (two during a rotation's grace period), and
`Signature: <hex HMAC-SHA256 of the body>` likewise (comma-separated during a grace
period). The HMAC key is the whole secret string, "whsec_" included, as UTF-8.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_PREFIX = "whsec_"
# Changing this label changes the key: every endpoint would need a new secret.
_KEY_INFO = b"ringtonic/webhooks/signing-secret/v1"
# How old a signature's timestamp a receiver should accept (documented for receivers).
REPLAY_WINDOW_SECONDS = 300


def new_secret() -> str:
    """Return a fresh signing secret: whsec_ and 32 random bytes, base64url."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_hint(secret: str) -> str:
    """Return what the page shows of a secret: the prefix and its last four characters."""
    return f"{SECRET_PREFIX}…{secret[-4:]}"


@functools.lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str, secret_key: str) -> str:
    """Return the secret encrypted with a key derived from the app's SECRET_KEY."""
    return _fernet(secret_key).encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt_secret(ciphertext: str, secret_key: str) -> str | None:
    """Return the plain secret, or None when it cannot be decrypted (SECRET_KEY changed)."""
    try:
        return _fernet(secret_key).decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_headers(body: bytes, signing_secrets: list[str], timestamp: int) -> dict[str, str]:
    """Return the Ringtonic-Signature and Signature headers of `body`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    v1 = ",".join(f"v1={_hmac_hex(secret, signed)}" for secret in signing_secrets)
    plain = ",".join(_hmac_hex(secret, body) for secret in signing_secrets)
    return {"Ringtonic-Signature": f"t={timestamp},{v1}", "Signature": plain}
