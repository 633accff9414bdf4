"""Accounts and users: registration, sign-in, passwords and plans."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import PLANS, Account, User, Workspace
from ringtonic.models.account import new_session_token
from ringtonic.models.types import utcnow
from ringtonic.services.accounts.passwords import (
    burn_verification_time,
    check_password_rules,
    hash_password,
    verify_password,
)
from ringtonic.services.accounts.sign_ins import close_all_sign_ins
from ringtonic.services.accounts.workspaces import DEFAULT_TIME_ZONE, check_workspace_name
from ringtonic.services.audit import record_event
from ringtonic.services.errors import Conflict, InvalidCredentials, NotFound, ValidationError
from ringtonic.services.names import clean_name
from ringtonic.text import comparison_form

COMPANY_MAX = 120


def normalize_email(raw: str, field: str = "email") -> str:
    """Return the email in NFKC, lower-cased, after checking its syntax, or raise ValidationError.

    Compatibility forms are folded first, so a fullwidth or ligature spelling of an address
    is that address ("ＡＬＩＣＥ@example.com" is "alice@example.com").
    """
    candidate = unicodedata.normalize("NFKC", raw or "").strip()
    if not candidate:
        raise ValidationError("Enter your email address.", field)
    if len(candidate) > 254:
        raise ValidationError("Email address is too long.", field)
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(
            "Enter a valid email address, like name@example.com.", field
        ) from None
    return result.normalized.lower()


def email_key(raw: str) -> str:
    """Return the form sign-in matches `raw` in: every spelling of one address gives one key.

    Text that is not an email address still gets one key per comparison form, so that
    look-alike spellings of it share, say, one rate-limit counter.
    """
    try:
        return normalize_email(raw)
    except ValidationError:
        return comparison_form(raw or "")


def check_company_name(raw: str) -> str:
    """Return the trimmed company name or raise ValidationError."""
    return clean_name(
        raw,
        field="company",
        label="Company",
        max_length=COMPANY_MAX,
        missing="Enter your company name.",
    )


def find_user_by_email(email: str) -> User | None:
    """Return the user with this email (any case), or None."""
    try:
        normalized = normalize_email(email)
    except ValidationError:
        return None
    return db.session.scalar(select(User).where(User.email == normalized))


def create_account(
    company: str, email: str, password: str, plan: str = "indie"
) -> tuple[Account, User, Workspace]:
    """Create an account with its admin user and a default workspace."""
    name = check_company_name(company)
    normalized = normalize_email(email)
    check_password_rules(password)
    if plan not in PLANS:
        raise ValidationError(f"Plan must be one of: {', '.join(PLANS)}.", "plan")
    if db.session.scalar(select(User.id).where(User.email == normalized)) is not None:
        raise Conflict("An account with this email already exists.", "email")
    account = Account(name=name, plan=plan)
    user = User(account=account, email=normalized, password_hash=hash_password(password))
    user.role = "admin"
    workspace = Workspace(
        account=account, name=check_workspace_name(name), time_zone=DEFAULT_TIME_ZONE
    )
    db.session.add_all([account, user, workspace])
    db.session.flush()
    record_event(user, "account.created", account_id=account.id, target=name)
    return account, user, workspace


def any_account_exists() -> bool:
    """Return whether anyone has registered yet (the first account may always be made)."""
    return db.session.scalar(select(Account.id).limit(1)) is not None


def register_account(
    company: str, email: str, password: str
) -> tuple[Account, User, Workspace] | None:
    """Create an Indie account, or return None when the email is taken, after the same work.

    Callers answer both alike, so registration never tells whether an email has an account.
    """
    try:
        return create_account(company, email, password)
    except Conflict as error:
        if error.field != "email":
            raise
        # The bcrypt work a new account costs, so the answer's timing says nothing either.
        hash_password(password)
        return None


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials or raise InvalidCredentials (same for all causes)."""
    user = find_user_by_email(email)
    if user is None or user.removed_at is not None:
        # Removed teammates get the same answer, after the same work, as unknown emails.
        burn_verification_time(password)
        raise InvalidCredentials("Invalid email or password.")
    if not verify_password(password, user.password_hash):
        raise InvalidCredentials("Invalid email or password.")
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the user's password after checking the current one; ends their other sessions."""
    if not verify_password(current, user.password_hash):
        raise ValidationError("Current password is incorrect.", "current_password")
    check_password_rules(new, "new_password")
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    close_all_sign_ins(user)
    record_event(user, "user.password_changed", account_id=user.account_id, target=user.email)


def reset_password(email: str, new: str) -> User:
    """Set a user's password as an operator (CLI); ends all of their sessions."""
    user = find_user_by_email(email)
    if user is None:
        raise NotFound(f"No user with email {email.strip()!r}.", "email")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    close_all_sign_ins(user)
    record_event(None, "user.password_reset", account_id=user.account_id, target=user.email)
    return user


def set_plan(account: Account, plan: str, actor: User | None = None, ip: str | None = None) -> bool:
    """Switch the account's plan; return whether it changed."""
    if plan not in PLANS:
        raise ValidationError(f"Plan must be one of: {', '.join(PLANS)}.", "plan")
    if account.plan == plan:
        return False
    previous = account.plan
    account.plan = plan
    record_event(
        actor,
        "account.plan_changed",
        account_id=account.id,
        target=account.name,
        ip=ip,
        details={"from": previous, "to": plan},
    )
    return True
