"""Configuration: the one place that reads and validates the environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from limits import RateLimitItem, parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(RuntimeError):
    """A missing or malformed setting; its message names the variable."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _database_url(env: Mapping[str, str], instance_path: Path) -> str:
    raw = env.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{instance_path / 'ringtonic.sqlite3'}"
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants an explicit psycopg 3.
    if raw.startswith("postgres://"):
        raw = "postgresql+psycopg://" + raw[len("postgres://") :]
    elif raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError("DATABASE_URL is not a valid database URL") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError("DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
    return raw


# Rate-limit counters in the app's database (ringtonic.rate_limits.storage).
DATABASE_STORAGE_SCHEME = "ringtonic+database"
DATABASE_STORAGE_URI = DATABASE_STORAGE_SCHEME + "://"
# /metrics is guarded by this token alone: no shorter than a strong password.
METRICS_TOKEN_MIN_LENGTH = 24


def parse_limits(text: str) -> list[RateLimitItem]:
    """Return the limits in `text` ("20 per minute; 200 per hour"), smallest window first.

    Raises ValueError for text that is not limits, or that allows nothing.
    """
    items = parse_many(text)
    if not items or any(item.amount < 1 for item in items):
        raise ValueError(text)
    # A limit given twice is one limit: its windows would share one counter, counted twice.
    unique = {item.key_for(): item for item in items}
    # Smallest window first: an attempt refused by the hour never counts against the day.
    return sorted(unique.values(), key=lambda item: item.get_expiry())


TRACKER_LIMIT_STORAGES = ("auto", "shared", "process")


def _tracker_limit_storage(env: Mapping[str, str]) -> str:
    raw = (env.get("RINGTONIC_TRACKER_LIMIT_STORAGE") or "auto").strip().lower()
    if raw not in TRACKER_LIMIT_STORAGES:
        raise ConfigError(
            "RINGTONIC_TRACKER_LIMIT_STORAGE must be one of "
            f"{', '.join(TRACKER_LIMIT_STORAGES)}, got {raw!r}"
        )
    return raw


def _rate_limits(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    try:
        parse_limits(raw)
    except ValueError:
        raise ConfigError(
            f'{name} must be limits like "1000 per hour; 10000 per day" (at least 1 each), '
            f"got {raw!r}"
        ) from None
    return raw


def _geoip_db(env: Mapping[str, str]) -> str | None:
    raw = env.get("RINGTONIC_GEOIP_DB", "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ConfigError(f"RINGTONIC_GEOIP_DB must name a MaxMind database file; {raw} is not one")
    if not os.access(path, os.R_OK):
        raise ConfigError(f"RINGTONIC_GEOIP_DB: {raw} cannot be read by this user")
    return str(path)


def _redis_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("REDIS_URL", "").strip()
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
    return raw


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _public_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("RINGTONIC_PUBLIC_URL", "").strip()
    if not raw:
        return None
    problem = (
        "RINGTONIC_PUBLIC_URL must be the address people and Twilio reach Ring Tonic at, "
        f"like https://calls.example.com or https://example.com/ringtonic, got {raw!r}"
    )
    try:
        parts = urlsplit(raw)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        raise ConfigError(problem) from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or port == 0:
        raise ConfigError(problem)
    if "?" in raw or "#" in raw or "@" in parts.netloc:
        raise ConfigError(problem)
    # Every absolute URL is this plus a path that starts with "/".
    return raw.rstrip("/")


def _cors_origin(name: str, raw: str) -> str:
    """Return the origin as browsers send it in the Origin header, or raise ConfigError."""
    problem = (
        f"{name} must list exact origins separated by commas, like "
        f"https://dashboard.example.com,http://localhost:3000 (scheme, host and port only, "
        f"no path and no wildcard), got {raw!r}"
    )
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ConfigError(problem) from None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname or port == 0:
        raise ConfigError(problem)
    if any(ch in raw.split("://", 1)[-1] for ch in "/?#@* \t"):
        raise ConfigError(problem)
    scheme = parts.scheme.lower()
    host = parts.hostname  # lower-cased by urlsplit, as browsers write it
    if ":" in host:
        host = f"[{host}]"
    # Browsers leave the default port out of Origin: so must the list they are matched to.
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def cors_origins(raw: str) -> tuple[str, ...]:
    """Return the origins of a RINGTONIC_API_CORS_ORIGINS value, or raise ConfigError."""
    name = "RINGTONIC_API_CORS_ORIGINS"
    raw = raw.strip()
    if not raw:
        return ()
    origins: list[str] = []
    for item in raw.split(","):
        if not item.strip():
            raise ConfigError(f"{name} has an empty entry between commas, got {raw!r}")
        origin = _cors_origin(name, item.strip())
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send e-mail, parsed from RINGTONIC_SMTP_URL."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None
    sender: str


def _smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    raw = env.get("RINGTONIC_SMTP_URL", "").strip()
    if not raw:
        return None
    problem = "RINGTONIC_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host"
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ConfigError(problem) from None
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError(problem)
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ConfigError(problem)
    implicit_tls = parts.scheme == "smtps"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None):
        raise ConfigError(
            "RINGTONIC_SMTP_URL must give both a user name and a password, or neither"
        )
    sender = env.get("RINGTONIC_SMTP_FROM", "").strip() or f"ringtonic@{parts.hostname}"
    if "@" not in sender or any(ch in sender for ch in "\r\n"):
        raise ConfigError("RINGTONIC_SMTP_FROM must be an e-mail address")
    return SmtpSettings(
        host=parts.hostname,
        port=port or (465 if implicit_tls else 25),
        implicit_tls=implicit_tls,
        username=username,
        password=password,
        sender=sender,
    )


@dataclass(frozen=True)
class RecordingStorageSettings:
    """Where copied call recordings live: a local folder, or an S3-compatible bucket."""

    folder: str | None = None
    bucket: str | None = None
    prefix: str = ""
    endpoint_url: str | None = None


def _recording_storage(env: Mapping[str, str], instance_path: Path) -> RecordingStorageSettings:
    raw = env.get("RINGTONIC_RECORDINGS_URL", "").strip()
    endpoint = env.get("RINGTONIC_RECORDINGS_S3_ENDPOINT", "").strip() or None
    if endpoint and _scheme(endpoint) not in _DEFAULT_PORTS:
        raise ConfigError("RINGTONIC_RECORDINGS_S3_ENDPOINT must be an http:// or https:// URL")
    if not raw:
        return RecordingStorageSettings(folder=str(instance_path / "recordings"))
    problem = "RINGTONIC_RECORDINGS_URL must be s3://bucket/prefix or an absolute folder"
    try:
        parts = urlsplit(raw)
    except ValueError:
        raise ConfigError(problem) from None
    if parts.scheme == "s3":
        if not parts.netloc or parts.query or parts.fragment:
            raise ConfigError("RINGTONIC_RECORDINGS_URL must look like s3://bucket/prefix")
        return RecordingStorageSettings(
            bucket=parts.netloc, prefix=parts.path.strip("/"), endpoint_url=endpoint
        )
    if parts.scheme == "file" or not parts.scheme:
        folder = Path(unquote(parts.path) if parts.scheme else raw).expanduser()
        if not folder.is_absolute():
            raise ConfigError(problem)
        return RecordingStorageSettings(folder=str(folder))
    raise ConfigError(problem)


def _twilio_api_url(env: Mapping[str, str]) -> str:
    raw = env.get("RINGTONIC_TWILIO_API_URL", "").strip() or "https://api.twilio.com"
    problem = "RINGTONIC_TWILIO_API_URL must be an http:// or https:// URL"
    try:
        parts = urlsplit(raw)
    except ValueError:
        raise ConfigError(problem) from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc or parts.query:
        raise ConfigError(problem)
    return raw.rstrip("/")


def _scheme(url: str) -> str:
    """Return the URL's scheme, or "" when it cannot be split (an unclosed IPv6 bracket)."""
    try:
        return urlsplit(url).scheme
    except ValueError:
        return ""


def _secret_key(env: Mapping[str, str], instance_path: Path, development: bool) -> str:
    raw = env.get("SECRET_KEY", "").strip()
    if raw:
        if len(raw) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters")
        return raw
    if not development:
        raise ConfigError(
            "SECRET_KEY is required (or set RINGTONIC_ENV=development to generate one)"
        )
    # Development: generate once into the instance folder so sessions survive restarts.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def _session_lifetimes(env: Mapping[str, str]) -> tuple[timedelta, timedelta]:
    idle = _int(env, "RINGTONIC_SESSION_IDLE_DAYS", 14, 1)
    lifetime = _int(env, "RINGTONIC_SESSION_MAX_DAYS", 30, 1)
    if idle > lifetime:
        raise ConfigError(
            f"RINGTONIC_SESSION_IDLE_DAYS ({idle}) must not be more than "
            f"RINGTONIC_SESSION_MAX_DAYS ({lifetime})"
        )
    return timedelta(days=idle), timedelta(days=lifetime)


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = env.get("RINGTONIC_METRICS_TOKEN", "").strip()
    if not token:
        return None
    # The only thing between the internet and the metrics: as hard to guess as a key.
    if len(token) < METRICS_TOKEN_MIN_LENGTH or not token.isprintable() or " " in token:
        raise ConfigError(
            f"RINGTONIC_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} "
            "printable characters without spaces"
        )
    return token


def _log_format(env: Mapping[str, str]) -> str:
    from ringtonic.observability.logs import log_format

    try:
        return log_format(env.get("RINGTONIC_LOG_FORMAT"))
    except ValueError as error:
        raise ConfigError(str(error)) from None


def from_environment(env: Mapping[str, str], instance_path: Path) -> dict[str, object]:
    """Build the Flask config mapping from environment variables."""
    mode = env.get("RINGTONIC_ENV", "production").strip().lower()
    if mode not in {"production", "development"}:
        raise ConfigError(f"RINGTONIC_ENV must be production or development, got {mode!r}")
    development = mode == "development"
    redis_url = _redis_url(env)
    database_url = _database_url(env, instance_path)
    session_idle, session_lifetime = _session_lifetimes(env)
    return {
        "RINGTONIC_ENV": mode,
        "SECRET_KEY": _secret_key(env, instance_path, development),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Not on every checkout, which costs PostgreSQL a round trip per request: pooled
        # connections are pinged only after sitting idle (db.engines.ping_idle_connections).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        # PgBouncer and the like in transaction mode: no session settings on connections.
        "RINGTONIC_DATABASE_TRANSACTION_POOLER": _bool(
            env, "RINGTONIC_DATABASE_TRANSACTION_POOLER", False
        ),
        "REDIS_URL": redis_url,
        # Counters every worker and host shares: Redis, or else the app's own database.
        "RATELIMIT_STORAGE_URI": redis_url or DATABASE_STORAGE_URI,
        # A Redis that stops answering must cost a request a moment, not a TCP timeout.
        "RATELIMIT_STORAGE_OPTIONS": (
            {"socket_connect_timeout": 0.5, "socket_timeout": 0.5} if redis_url else {}
        ),
        "SESSION_COOKIE_SECURE": _bool(env, "RINGTONIC_SECURE_COOKIES", False),
        "RINGTONIC_ALLOW_PLAN_CHANGES": _bool(env, "RINGTONIC_ALLOW_PLAN_CHANGES", True),
        # Off once the first account exists: strangers cannot sign up on a shared server.
        "RINGTONIC_OPEN_REGISTRATION": _bool(env, "RINGTONIC_OPEN_REGISTRATION", False),
        # A sign-in unused this long ends; none lasts longer than the lifetime.
        "RINGTONIC_SESSION_IDLE_TIMEOUT": session_idle,
        "PERMANENT_SESSION_LIFETIME": session_lifetime,
        "RINGTONIC_TRUSTED_PROXIES": _int(env, "RINGTONIC_TRUSTED_PROXIES", 0),
        "RINGTONIC_PUBLIC_URL": _public_url(env),
        "RINGTONIC_API_CORS_ORIGINS": cors_origins(env.get("RINGTONIC_API_CORS_ORIGINS", "")),
        "RINGTONIC_LOGIN_LIMIT_PER_IP": _rate_limits(
            env, "RINGTONIC_LOGIN_LIMIT_PER_IP", "20 per minute; 200 per hour"
        ),
        "RINGTONIC_LOGIN_LIMIT_PER_EMAIL": _rate_limits(
            env, "RINGTONIC_LOGIN_LIMIT_PER_EMAIL", "10 per 15 minutes"
        ),
        "RINGTONIC_INVITATION_LIMIT": _rate_limits(
            env, "RINGTONIC_INVITATION_LIMIT", "20 per hour; 100 per day"
        ),
        "RINGTONIC_API_RATE_LIMITS": _rate_limits(
            env, "RINGTONIC_API_RATE_LIMITS", "1000 per hour; 10000 per day"
        ),
        "RINGTONIC_API_AUTH_FAILURE_LIMIT": _rate_limits(
            env, "RINGTONIC_API_AUTH_FAILURE_LIMIT", "60 per minute"
        ),
        "RINGTONIC_VISIT_LIMIT_PER_IP": _rate_limits(
            env, "RINGTONIC_VISIT_LIMIT_PER_IP", "120 per minute; 3000 per hour"
        ),
        "RINGTONIC_HEARTBEAT_LIMIT_PER_IP": _rate_limits(
            env, "RINGTONIC_HEARTBEAT_LIMIT_PER_IP", "240 per minute"
        ),
        # Where the visit and heartbeat limits count: auto (Redis when configured, else
        # each process's memory), shared (wherever the other limits count) or process.
        "RINGTONIC_TRACKER_LIMIT_STORAGE": _tracker_limit_storage(env),
        "RINGTONIC_SMTP": _smtp_settings(env),
        # Background queue: tasks run in the enqueuing process (tests), not in a worker.
        "RINGTONIC_BACKGROUND_IMMEDIATE": _bool(env, "RINGTONIC_BACKGROUND_IMMEDIATE", False),
        # Webhooks: loopback/private receivers (tests, intranets), plain http, timeout.
        "RINGTONIC_WEBHOOK_ALLOW_PRIVATE": _bool(env, "RINGTONIC_WEBHOOK_ALLOW_PRIVATE", False),
        "RINGTONIC_WEBHOOK_ALLOW_HTTP": _bool(env, "RINGTONIC_WEBHOOK_ALLOW_HTTP", False),
        "RINGTONIC_WEBHOOK_TIMEOUT": _int(env, "RINGTONIC_WEBHOOK_TIMEOUT", 10, 1),
        "RINGTONIC_RECORDINGS": _recording_storage(env, instance_path),
        # Twilio's REST host: recordings are fetched from (and deleted at) this address.
        "RINGTONIC_TWILIO_API_URL": _twilio_api_url(env),
        "RINGTONIC_RECORDINGS_DELETE_FROM_TWILIO": _bool(
            env, "RINGTONIC_RECORDINGS_DELETE_FROM_TWILIO", False
        ),
        # Visitor location for website tracking: a MaxMind-format City database.
        "RINGTONIC_GEOIP_DB": _geoip_db(env),
        # Bearer token for /metrics; unset, /metrics answers 404.
        "RINGTONIC_METRICS_TOKEN": _metrics_token(env),
        # text or json (JSON lines); gunicorn.conf.py reads it too, before the app loads.
        "RINGTONIC_LOG_FORMAT": _log_format(env),
        "MAX_CONTENT_LENGTH": _int(env, "RINGTONIC_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, 1024),
    }


DEFAULTS: dict[str, object] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "ringtonic_session",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # Tests switch every rate limit off with False.
    "RATELIMIT_ENABLED": True,
    "BCRYPT_ROUNDS": 12,
}
