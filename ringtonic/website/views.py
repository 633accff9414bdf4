"""The tracker script and its visit endpoints, called cross-origin from the client's site."""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Response, abort, current_app, request
from sqlalchemy.engine import Connection
from werkzeug.http import parse_etags

from ringtonic.extensions import db
from ringtonic.models.types import utcnow
from ringtonic.rate_limits import HEARTBEAT, VISIT, limits_of, rate_limit_headers
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.tracking.config import TrackerConfig, tracker_config
from ringtonic.services.tracking.visits import (
    OriginNotAllowed,
    Shown,
    VisitStart,
    keep_alive,
    prepare_start,
    quiet_heartbeat,
    write_start,
)
from ringtonic.services.url_parts import url_host
from ringtonic.urls import base_url
from ringtonic.view_helpers.access import client_identity, client_ip
from ringtonic.website import bp

SCRIPT_SOURCE = Path(__file__).resolve().parents[2] / "static" / "tracker" / "ringtonic.js"
CONFIG_MARKER = "/*RINGTONIC_CONFIG*/"
# Browsers keep the script this long before asking again (and get a 304 while unchanged).
SCRIPT_MAX_AGE = 3600
MAX_BODY = 8 * 1024


@lru_cache(maxsize=1)
def _script_template() -> tuple[str, str]:
    """Return the script before and after its config (the default after the marker goes)."""
    text = SCRIPT_SOURCE.read_text(encoding="utf-8")
    head, _, _default = text.rpartition(CONFIG_MARKER)
    return head, ");\n"


def _over_limit(scope: str, origin: str, within: Connection | None = None) -> Response | None:
    """Count the request per client IP; past the limit, the 429 to answer (CORS, headers).

    `within`: the request's connection, whose transaction a count in SQLite joins (the
    view commits it, whatever it answers).
    """
    limits = limits_of(current_app)
    if not limits.enabled:
        return None
    charge = limits.charge(scope, client_identity(), within=within)
    if charge.allowed:
        return None
    response = _problem(
        429, "rate_limited", "Too many requests from this address; try again later.", origin
    )
    response.headers.extend(rate_limit_headers(charge))
    return response


def _visitor_location() -> dict[str, str]:
    """Return where the client address is, when the operator configured a GeoIP database."""
    locator = current_app.extensions.get("ringtonic_locator")
    return locator.locate(client_ip()) if locator is not None else {}


def _config(workspace_uuid: str) -> TrackerConfig:
    config = tracker_config(db.engine, workspace_uuid)
    if config is None:
        abort(404)
    return config


def tracker_endpoint(workspace_uuid: uuid.UUID) -> str:
    """Return the absolute base URL the script posts its visits to."""
    return f"{base_url()}/t/{workspace_uuid}"


def snippet_url(workspace_uuid: uuid.UUID) -> str:
    """Return the script URL a site pastes into its pages."""
    return tracker_endpoint(workspace_uuid) + ".js"


@dataclass(frozen=True)
class _Script:
    """One workspace's script, built once per config: plain and gzipped, with its tags."""

    config: TrackerConfig
    endpoint: str
    plain: bytes
    gzipped: bytes
    # Each representation its own strong validator (RFC 9110 8.8.3).
    plain_tag: str
    gzip_tag: str


# The script as last built for each workspace's config (rebuilt when the config is new).
_scripts: dict[uuid.UUID, _Script] = {}
_SCRIPT_HEADERS = (
    ("Cache-Control", f"public, max-age={SCRIPT_MAX_AGE}"),
    ("Access-Control-Allow-Origin", "*"),
    ("Vary", "Accept-Encoding"),
)
_SCRIPT_TYPE = ("Content-Type", "text/javascript; charset=utf-8")


def _script_for(config: TrackerConfig) -> _Script:
    endpoint = tracker_endpoint(config.workspace_uuid)
    cached = _scripts.get(config.workspace_uuid)
    if cached is not None and cached.config is config and cached.endpoint == endpoint:
        return cached
    settings = {
        "endpoint": endpoint,
        "numbers": list(config.replace_numbers),
        "formFields": config.form_fields,
        "requireConsent": config.require_consent,
        "honorGpc": config.honor_gpc,
    }
    head, tail = _script_template()
    body = (head + json.dumps(settings, separators=(",", ":")) + tail).encode()
    digest = hashlib.sha256(body).hexdigest()[:32]
    built = _Script(
        config, endpoint, body, gzip.compress(body, mtime=0), f'"{digest}"', f'"{digest}-gz"'
    )
    if len(_scripts) >= 1000:
        _scripts.clear()
    _scripts[config.workspace_uuid] = built
    return built


def _accepts_gzip() -> bool:
    accepted = request.headers.get("Accept-Encoding")
    return bool(accepted) and request.accept_encodings["gzip"] > 0


@bp.get("/<workspace_uuid>.js")
def script(workspace_uuid: str):
    """Serve the workspace's tracker script from memory (gzipped when accepted), or a 304."""
    built = _script_for(_config(workspace_uuid))
    zipped = _accepts_gzip()
    tag = built.gzip_tag if zipped else built.plain_tag
    headers = [("ETag", tag), *_SCRIPT_HEADERS]
    wanted = request.headers.get("If-None-Match")
    if wanted and parse_etags(wanted).contains_weak(tag.strip('"')):
        return Response(status=304, headers=headers)
    headers.append(_SCRIPT_TYPE)
    if zipped:
        headers.append(("Content-Encoding", "gzip"))
    return Response(built.gzipped if zipped else built.plain, headers=headers)


def _allowed_origin(config: TrackerConfig) -> str | None:
    origin = request.headers.get("Origin", "")
    host = url_host(origin) if origin.startswith(("http://", "https://")) else None
    return origin if host and config.allows(host) else None


_NOT_CORS = (("Vary", "Origin"), ("Cache-Control", "no-store"))
_CORS = (
    *_NOT_CORS,
    ("Access-Control-Allow-Methods", "POST"),
    ("Access-Control-Allow-Headers", "Content-Type"),
    ("Access-Control-Max-Age", "86400"),
)


def _cors_headers(origin: str | None) -> list[tuple[str, str]]:
    if not origin:
        return list(_NOT_CORS)
    return [("Access-Control-Allow-Origin", origin), *_CORS]


def _cors(response: Response, origin: str | None) -> Response:
    response.headers.extend(_cors_headers(origin))
    return response


def _problem(status: int, code: str, detail: str, origin: str | None) -> Response:
    body = {"type": "about:blank", "status": status, "title": detail, "detail": detail}
    body["code"] = code
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    return _cors(response, origin)


def _body() -> dict:
    if (request.content_length or 0) > MAX_BODY:
        raise ValidationError("The request body is too large.", "body")
    raw = request.get_data(cache=False, as_text=False)[:MAX_BODY]
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("The request body must be a JSON object.", "body") from None
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.", "body")
    return data


def _text(data: dict, name: str) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string.", name)
    return value


_JSON_TYPE = ("Content-Type", "application/json")


def _answer(shown: Shown, origin: str | None) -> Response:
    body = {
        "session_id": str(shown.session_uuid),
        "visitor_id": str(shown.visitor_id),
        "number": shown.number,
        "source": shown.source,
        "medium": shown.medium,
    }
    return Response(json.dumps(body), headers=[_JSON_TYPE, *_cors_headers(origin)])


@bp.route("/<workspace_uuid>/visits", methods=["OPTIONS"])
@bp.route("/<workspace_uuid>/visits/<session_uuid>/heartbeat", methods=["OPTIONS"])
def preflight(workspace_uuid: str, session_uuid: str | None = None):
    """Answer a CORS preflight: allowed origins only."""
    return _cors(Response(status=204), _allowed_origin(_config(workspace_uuid)))


def _visit_start() -> VisitStart:
    data = _body()
    return VisitStart(
        page=_text(data, "page"),
        referrer=_text(data, "referrer"),
        visitor_id=_text(data, "visitor_id"),
        session_id=_text(data, "session_id"),
        ga_client_id=_text(data, "ga_client_id"),
        ga_session_id=_text(data, "ga_session_id"),
    )


@bp.post("/<workspace_uuid>/visits")
def start(workspace_uuid: str):
    """Start a visit (or continue one on a new page) and answer the number to show."""
    config = _config(workspace_uuid)
    origin = _allowed_origin(config)
    if origin is None:
        return _problem(403, "origin_not_allowed", "This site may not use this tracker.", None)
    now = utcnow()
    # A Core connection of its own for the whole start (no ORM session: it has no objects
    # to track), handed down and committed here; an error rolls it back as it closes.
    with db.engine.connect() as connection:
        # What the start would write is worked out first, reading only: on SQLite the write
        # lock is then held for the count and the visit's writes alone (prepare_start). An
        # address over its limit is still refused (429) before a bad request (400, 403).
        prepared, refusal = None, None
        try:
            reported = _visit_start()
            prepared = prepare_start(connection, config, reported, now, _visitor_location())
        except OriginNotAllowed as error:
            refusal = _problem(403, "origin_not_allowed", error.message, origin)
        except ValidationError as error:
            refusal = _problem(400, "validation_error", error.message, origin)
        # On SQLite the visit is counted in the visit's own transaction: one turn of the
        # write lock and one commit per start. A refused start commits its count.
        within = connection if connection.dialect.name == "sqlite" else None
        refused = _over_limit(VISIT, origin, within) or refusal
        if refused is not None:
            connection.commit()
            return refused
        assert prepared is not None  # prepare_start returned: nothing refused the start
        shown = write_start(connection, config, prepared, now)
        connection.commit()
    return _answer(shown, origin)


@bp.post("/<workspace_uuid>/visits/<session_uuid>/heartbeat")
def heartbeat(workspace_uuid: str, session_uuid: str):
    """Keep a visit alive; answer its number (a new one if its lease was taken over)."""
    config = _config(workspace_uuid)
    origin = _allowed_origin(config)
    if origin is None:
        return _problem(403, "origin_not_allowed", "This site may not use this tracker.", None)
    refused = _over_limit(HEARTBEAT, origin)
    if refused is not None:
        return refused
    now = utcnow()
    try:
        shown = quiet_heartbeat(config, session_uuid, now)
        if shown is None:
            # As a start: a Core connection of its own, committed here; an error (the visit
            # ended: NotFound) rolls it back as it closes.
            with db.engine.connect() as connection:
                shown = keep_alive(connection, config, session_uuid, now)
                connection.commit()
    except NotFound as error:
        return _problem(404, "visit_ended", error.message, origin)
    return _answer(shown, origin)
