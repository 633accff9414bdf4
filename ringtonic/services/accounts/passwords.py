"""Password rules and bcrypt hashing."""

from __future__ import annotations

import bcrypt
from flask import current_app, has_app_context

from ringtonic.services.errors import ValidationError

MIN_LENGTH = 10
# bcrypt only reads 72 bytes (and bcrypt 5 raises past them): refuse longer input plainly.
MAX_BYTES = 72


def check_password_rules(password: str, field: str = "password") -> None:
    """Raise ValidationError unless the password is 10+ characters and at most 72 bytes."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"Password must be at least {MIN_LENGTH} characters.", field)
    if len(password.encode("utf-8")) > MAX_BYTES:
        raise ValidationError(
            f"Password must be at most {MAX_BYTES} bytes (long non-English characters count "
            "as several).",
            field,
        )
    if "\x00" in password:
        raise ValidationError("Password cannot contain a NUL character.", field)


def _rounds() -> int:
    return int(current_app.config.get("BCRYPT_ROUNDS", 12)) if has_app_context() else 12


def hash_password(password: str) -> str:
    """Return the bcrypt hash of a password that passed the rules."""
    check_password_rules(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """Return whether the password matches; never raises on odd input."""
    data = password.encode("utf-8")
    if len(data) > MAX_BYTES or b"\x00" in data:
        return False
    try:
        return bcrypt.checkpw(data, password_hash.encode("ascii"))
    except ValueError:
        return False


_DUMMY_HASH: str | None = None


def burn_verification_time(password: str) -> None:
    """Spend the time of one check so a login for an unknown email is not faster."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(_rounds())).decode()
    verify_password(password, _DUMMY_HASH)
