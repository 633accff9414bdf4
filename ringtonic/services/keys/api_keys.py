"""API keys: the key format, creating, authenticating, listing, revoking and last use."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
import zlib
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, bindparam, or_, select, update
from sqlalchemy.orm import selectinload

from ringtonic.db.reads import PreparedRead
from ringtonic.extensions import db
from ringtonic.models import Account, ApiKey, AuditEvent, User, Workspace
from ringtonic.models.api_key import access_level
from ringtonic.models.types import utcnow
from ringtonic.services.accounts import policy
from ringtonic.services.audit import record_event
from ringtonic.services.errors import (
    Conflict,
    InvalidApiKey,
    NotFound,
    PlanRequired,
    RevokedApiKey,
    ValidationError,
)
from ringtonic.services.keys.generations import generation_of_account
from ringtonic.services.names import clean_name
from ringtonic.services.public_ids import parse_public_id
from ringtonic.services.signals import member_removed, member_role_changed

# The time source for last-used bookkeeping; tests swap it for a controllable clock.
clock = utcnow

KEY_PREFIX = "ringtonic_"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SECRET_BYTES = 32
BODY_LENGTH = 43  # 62**43 > 2**256: the shortest base62 text holding 32 random bytes
CHECKSUM_LENGTH = 6  # 62**6 > 2**32: room for any CRC32
KEY_LENGTH = len(KEY_PREFIX) + BODY_LENGTH + CHECKSUM_LENGTH
# An explicit ASCII class: str.isalnum() would also accept letters from other scripts.
_KEY_RE = re.compile(
    re.escape(KEY_PREFIX) + f"([0-9A-Za-z]{{{BODY_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})"
)

NAME_MAX = 100
ACCESS_LEVELS = {"read": ["read"], "read_write": ["read", "write"]}
LAST_USED_INTERVAL = timedelta(seconds=60)
USER_AGENT_MAX = 256
AUDIT_ACTIONS = ("api_key.created", "api_key.revoked", "api_key.made_read_only")
PLAN_MESSAGE = "API keys come with the Agency plan. An account admin can switch plans."


@dataclass(frozen=True)
class NewApiKey:
    """A key just created: the row, and the key itself, which exists only in this object."""

    api_key: ApiKey
    secret: str


@dataclass(frozen=True)
class ApiKeySnapshot:
    """An API key's columns as the authenticating query read them (no ORM state)."""

    id: int
    uuid: uuid.UUID
    workspace_id: int
    name: str
    hint: str
    abilities: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    # The model's own rule (a plain function, so it applies to a snapshot as it is).
    can = ApiKey.can

    @property
    def is_revoked(self) -> bool:
        """Return whether the key was revoked: ApiKey.is_revoked on the snapshot's column."""
        return self.revoked_at is not None

    @property
    def access(self) -> str:
        """Return "read_write" or "read", by the model's rule."""
        return access_level(self.abilities)


@dataclass(frozen=True)
class WorkspaceSnapshot:
    """A workspace's columns as the authenticating query read them."""

    id: int
    uuid: uuid.UUID
    account_id: int
    name: str
    time_zone: str


@dataclass(frozen=True)
class AccountSnapshot:
    """An account's columns as the authenticating query read them."""

    id: int
    name: str
    plan: str

    @property
    def is_agency(self) -> bool:
        """Return whether the account is on the agency plan: Account.is_agency's rule."""
        return self.plan == "agency"


@dataclass(frozen=True)
class ApiKeyAccess:
    """What an authenticated API request acts as: the key, its workspace and account.

    Plain snapshots rather than ORM objects: loading three ORM entities cost more than
    everything else an authenticated request does. Services read a workspace's columns
    (id, time_zone, ...), which the snapshot has; nothing lazy-loads from it.
    """

    api_key: ApiKeySnapshot
    workspace: WorkspaceSnapshot
    account: AccountSnapshot


def encode_base62(value: int, width: int) -> str:
    """Return `value` as exactly `width` base62 digits, most significant first."""
    digits = []
    for _ in range(width):
        value, remainder = divmod(value, 62)
        digits.append(BASE62[remainder])
    if value:
        raise ValueError(f"value does not fit in {width} base62 digits")
    return "".join(reversed(digits))


def decode_base62(text: str) -> int:
    """Return the integer that base62 `text` spells."""
    value = 0
    for char in text:
        value = value * 62 + BASE62.index(char)
    return value


def key_checksum(payload: str) -> str:
    """Return the 6-character base62 CRC32 of everything before a key's checksum."""
    return encode_base62(zlib.crc32(payload.encode("ascii")), CHECKSUM_LENGTH)


# Base62 digits sort like their values, so among bodies of one length, text order is
# number order: comparing with the largest 256-bit body needs no decoding per request.
_LARGEST_BODY = encode_base62((1 << (8 * SECRET_BYTES)) - 1, BODY_LENGTH)


def generate_api_key() -> str:
    """Return a new key: prefix, 256 random bits in base62, then the checksum."""
    body = encode_base62(int.from_bytes(secrets.token_bytes(SECRET_BYTES), "big"), BODY_LENGTH)
    payload = KEY_PREFIX + body
    return payload + key_checksum(payload)


def is_well_formed(candidate: str) -> bool:
    """Return whether `candidate` has the key format and a matching checksum (no database)."""
    match = _KEY_RE.fullmatch(candidate)
    if match is None:
        return False
    body, checksum = match.groups()
    if body > _LARGEST_BODY:
        return False
    return checksum == key_checksum(KEY_PREFIX + body)


def key_digest(secret: str) -> str:
    """Return the stored form of a key: its hex SHA-256 (a 256-bit secret needs no slow hash)."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def key_hint(secret: str) -> str:
    """Return what the page shows in place of the key: the prefix and its last 4 characters."""
    return f"{KEY_PREFIX}…{secret[-4:]}"


def check_key_name(raw: str | None) -> str:
    """Return the trimmed key name or raise ValidationError."""
    return clean_name(
        raw,
        field="name",
        label="Name",
        max_length=NAME_MAX,
        missing="Enter a name for the key, like “SEO Utils Integration”.",
    )


def check_access(raw: str | None) -> list[str]:
    """Return the abilities an access level grants or raise ValidationError."""
    abilities = ACCESS_LEVELS.get(raw or "")
    if abilities is None:
        raise ValidationError("Choose Read only or Read and write.", "access")
    return list(abilities)


def create_api_key(
    workspace: Workspace, actor: User, name: str, access: str, ip: str | None = None
) -> NewApiKey:
    """Create a key for the workspace (Agency plan only); the result holds the only copy."""
    if not workspace.account.is_agency:
        raise PlanRequired(PLAN_MESSAGE)
    checked_name = check_key_name(name)
    abilities = check_access(access)
    secret = generate_api_key()
    api_key = ApiKey(
        workspace_id=workspace.id,
        created_by_id=actor.id,
        name=checked_name,
        abilities=abilities,
        digest=key_digest(secret),
        hint=key_hint(secret),
    )
    db.session.add(api_key)
    db.session.flush()
    _record(actor, "api_key.created", workspace, api_key, ip)
    return NewApiKey(api_key=api_key, secret=secret)


_SNAPSHOTS = ((ApiKey, ApiKeySnapshot), (Workspace, WorkspaceSnapshot), (Account, AccountSnapshot))
# Where each snapshot's columns end in the read, in order; the generation comes last.
_KEY_END = len(fields(ApiKeySnapshot))
_WORKSPACE_END = _KEY_END + len(fields(WorkspaceSnapshot))
_ACCOUNT_END = _WORKSPACE_END + len(fields(AccountSnapshot))


def _key_with_owners() -> Select[*tuple[Any, ...]]:
    """Return the read of a key, its workspace, its account and the account's key generation."""
    columns = [
        model.__table__.c[field.name]
        for model, snapshot in _SNAPSHOTS
        for field in fields(snapshot)
    ]
    keys, workspaces, accounts = ApiKey.__table__, Workspace.__table__, Account.__table__
    return (
        select(*columns, generation_of_account(accounts.c.id))
        .select_from(keys)
        .join(workspaces, keys.c.workspace_id == workspaces.c.id)
        .join(accounts, workspaces.c.account_id == accounts.c.id)
        .where(keys.c.digest == bindparam("digest"))
    )


# Every request with a key this process has not verified yet runs this read: straight on
# a pooled connection, no ORM session.
_KEY_READ = PreparedRead(_key_with_owners)


def authenticate_api_key(secret: str, digest: str | None = None) -> tuple[ApiKeyAccess, int]:
    """Return the key's access and account key generation; raise InvalidApiKey and the like."""
    if not is_well_formed(secret):
        raise InvalidApiKey("The API key is not valid.")
    row = _KEY_READ.one_or_none(db.engine, digest=digest or key_digest(secret))
    if row is None:
        raise InvalidApiKey("The API key is not valid.")
    api_key = ApiKeySnapshot(*row[:_KEY_END])
    workspace = WorkspaceSnapshot(*row[_KEY_END:_WORKSPACE_END])
    account = AccountSnapshot(*row[_WORKSPACE_END:_ACCOUNT_END])
    if api_key.is_revoked:
        raise RevokedApiKey("This API key was revoked.")
    if not account.is_agency:
        raise PlanRequired(PLAN_MESSAGE)
    return ApiKeyAccess(api_key=api_key, workspace=workspace, account=account), int(
        row[_ACCOUNT_END]
    )


def get_api_key(workspace: Workspace, key_uuid: str) -> ApiKey:
    """Return the workspace's key with this public id, or raise NotFound."""
    wanted = parse_public_id(key_uuid, "API key not found.")
    api_key: ApiKey | None = db.session.scalar(
        select(ApiKey).where(ApiKey.workspace_id == workspace.id, ApiKey.uuid == wanted)
    )
    if api_key is None:
        raise NotFound("API key not found.")
    return api_key


def list_api_keys(workspace: Workspace) -> tuple[list[ApiKey], list[ApiKey]]:
    """Return the workspace's active keys and its revoked keys, newest first."""
    keys = db.session.scalars(
        select(ApiKey)
        .options(selectinload(ApiKey.created_by), selectinload(ApiKey.revoked_by))
        .where(ApiKey.workspace_id == workspace.id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    ).all()
    return [k for k in keys if not k.is_revoked], [k for k in keys if k.is_revoked]


def revoke_api_key(
    workspace: Workspace, key_uuid: str, actor: User, ip: str | None = None
) -> ApiKey:
    """Revoke the workspace's key for good; allowed on any plan so downgraded keys can go."""
    api_key = get_api_key(workspace, key_uuid)
    if api_key.is_revoked:
        raise Conflict(f"The API key “{api_key.name}” was already revoked.")
    api_key.revoked_at = utcnow()
    api_key.revoked_by_id = actor.id
    _record(actor, "api_key.revoked", workspace, api_key, ip)
    return api_key


def recent_api_key_activity(workspace: Workspace, limit: int = 10) -> list[AuditEvent]:
    """Return the workspace's latest key creations and revocations, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(selectinload(AuditEvent.actor))
            .where(AuditEvent.workspace_id == workspace.id, AuditEvent.action.in_(AUDIT_ACTIONS))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def last_use_is_stale(api_key: ApiKeySnapshot, now: datetime) -> bool:
    """Return whether the recorded last use is old enough for a new one to be written."""
    return api_key.last_used_at is None or api_key.last_used_at < now - LAST_USED_INTERVAL


def touch_last_used(
    key_id: int, *, used_at: datetime, ip: str | None, user_agent: str | None
) -> bool:
    """Record a use of the key unless one was recorded within the interval; return if written."""
    # The condition lives in the UPDATE itself, so workers racing on one key write once.
    result = db.session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(
                ApiKey.last_used_at.is_(None),
                ApiKey.last_used_at < used_at - LAST_USED_INTERVAL,
            ),
        )
        .values(
            last_used_at=used_at,
            last_used_ip=ip[:45] if ip else None,
            last_used_user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
        )
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def _record(
    actor: User | None, action: str, workspace: Workspace, api_key: ApiKey, ip: str | None
) -> None:
    record_event(
        actor,
        action,
        account_id=workspace.account_id,
        workspace=workspace,
        target=api_key.name,
        ip=ip,
        details={"key": str(api_key.uuid), "hint": api_key.hint, "access": api_key.access},
    )


@member_removed.connect
def revoke_keys_of_removed_member(
    member: User, *, actor: User | None, revoke_keys: bool, ip: str | None, **_: Any
) -> None:
    """Revoke every live key the removed person created, unless the admin chose to keep them."""
    if not revoke_keys:
        return
    keys = db.session.scalars(
        select(ApiKey)
        .options(selectinload(ApiKey.workspace))
        .where(ApiKey.created_by_id == member.id, ApiKey.revoked_at.is_(None))
    )
    now = utcnow()
    for api_key in keys:
        api_key.revoked_at = now
        api_key.revoked_by_id = actor.id if actor else None
        _record(actor, "api_key.revoked", api_key.workspace, api_key, ip)


@member_role_changed.connect
def make_keys_of_demoted_member_read_only(
    member: User, *, actor: User | None, previous: str, role: str, ip: str | None, **_: Any
) -> int:
    """Make read-write keys read-only when their creator may no longer manage keys.

    A key never does more than the person who made it may: members only read. Promoting
    the person again does not give the keys write access back; they create a new key.
    """
    managers = policy.PERMISSIONS["manage_api_keys"]
    if previous not in managers or role in managers:
        return 0
    keys = db.session.scalars(
        select(ApiKey)
        .options(selectinload(ApiKey.workspace))
        .where(ApiKey.created_by_id == member.id, ApiKey.revoked_at.is_(None))
    )
    changed = 0
    for api_key in keys:
        if not api_key.can("write"):
            continue
        api_key.abilities = ["read"]
        _record(actor, "api_key.made_read_only", api_key.workspace, api_key, ip)
        changed += 1
    return changed
