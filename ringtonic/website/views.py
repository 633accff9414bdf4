"""The tracker script and its visit endpoints, called cross-origin from the client's site."""

from __future__ import annotations

import hashlib
import json
import uuid
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, abort, current_app, request
from sqlalchemy import select

from ringtonic.extensions import db, limiter
from ringtonic.models import Workspace
from ringtonic.models.types import utcnow
from ringtonic.services.errors import NotFound, ValidationError
from ringtonic.services.tracking.settings import domain_allowed, get_settings
from ringtonic.services.tracking.visits import (
    OriginNotAllowed,
    Shown,
    VisitStart,
    keep_alive,
    start_visit,
)
from ringtonic.web.access import client_ip
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


def visit_limit() -> str:
    """Return the operator's limit on visits started per client IP."""
    return current_app.config["RINGTONIC_VISIT_LIMIT_PER_IP"]


def heartbeat_limit() -> str:
    """Return the operator's limit on visit heartbeats per client IP."""
    return current_app.config["RINGTONIC_HEARTBEAT_LIMIT_PER_IP"]


def _workspace(workspace_uuid: str) -> Workspace:
    try:
        wanted = uuid.UUID(workspace_uuid)
    except ValueError:
        abort(404)
    workspace = db.session.scalar(select(Workspace).where(Workspace.uuid == wanted))
    if workspace is None:
        abort(404)
    return workspace


def tracker_endpoint(workspace: Workspace) -> str:
    """Return the absolute base URL the script posts its visits to."""
    base = current_app.config.get("RINGTONIC_PUBLIC_URL") or request.host_url.rstrip("/")
    return f"{base}/t/{workspace.uuid}"


def snippet_url(workspace: Workspace) -> str:
    """Return the script URL a site pastes into its pages."""
    return tracker_endpoint(workspace) + ".js"


@bp.get("/<workspace_uuid>.js")
def script(workspace_uuid: str):
    """Serve the workspace's tracker script, from memory, with a validator."""
    workspace = _workspace(workspace_uuid)
    settings = get_settings(workspace)
    config = {
        "endpoint": tracker_endpoint(workspace),
        "numbers": list(settings.replace_numbers or ()),
        "formFields": bool(settings.form_fields),
        "requireConsent": bool(settings.require_consent),
        "honorGpc": bool(settings.honor_gpc),
    }
    head, tail = _script_template()
    body = head + json.dumps(config, separators=(",", ":")) + tail
    response = Response(body, mimetype="text/javascript")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


def _allowed_origin(workspace: Workspace) -> str | None:
    origin = request.headers.get("Origin", "")
    host = urlsplit(origin).hostname if origin.startswith(("http://", "https://")) else None
    if host and domain_allowed(get_settings(workspace), host):
        return origin
    return None


def _cors(response: Response, origin: str | None) -> Response:
    response.headers["Vary"] = "Origin"
    response.headers["Cache-Control"] = "no-store"
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
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


def _answer(shown: Shown, origin: str | None) -> Response:
    body = {
        "session_id": str(shown.session_uuid),
        "visitor_id": str(shown.visitor_id),
        "number": shown.number,
        "source": shown.source,
        "medium": shown.medium,
    }
    return _cors(Response(json.dumps(body), mimetype="application/json"), origin)


@bp.route("/<workspace_uuid>/visits", methods=["OPTIONS"])
@bp.route("/<workspace_uuid>/visits/<session_uuid>/heartbeat", methods=["OPTIONS"])
def preflight(workspace_uuid: str, session_uuid: str | None = None):
    """Answer a CORS preflight: allowed origins only."""
    workspace = _workspace(workspace_uuid)
    return _cors(Response(status=204), _allowed_origin(workspace))


@bp.post("/<workspace_uuid>/visits")
@limiter.limit(visit_limit, key_func=client_ip)
def start(workspace_uuid: str):
    """Start a visit (or continue one on a new page) and answer the number to show."""
    workspace = _workspace(workspace_uuid)
    origin = _allowed_origin(workspace)
    if origin is None:
        return _problem(403, "origin_not_allowed", "This site may not use this tracker.", None)
    try:
        data = _body()
        visit = VisitStart(
            page=_text(data, "page"),
            referrer=_text(data, "referrer"),
            visitor_id=_text(data, "visitor_id"),
            session_id=_text(data, "session_id"),
            ga_client_id=_text(data, "ga_client_id"),
            ga_session_id=_text(data, "ga_session_id"),
        )
        shown = start_visit(workspace, visit, utcnow(), location={})
    except OriginNotAllowed as error:
        db.session.rollback()
        return _problem(403, "origin_not_allowed", error.message, origin)
    except ValidationError as error:
        db.session.rollback()
        return _problem(400, "validation_error", error.message, origin)
    db.session.commit()
    return _answer(shown, origin)


@bp.post("/<workspace_uuid>/visits/<session_uuid>/heartbeat")
@limiter.limit(heartbeat_limit, key_func=client_ip)
def heartbeat(workspace_uuid: str, session_uuid: str):
    """Keep a visit alive; answer its number (a new one if its lease was taken over)."""
    workspace = _workspace(workspace_uuid)
    origin = _allowed_origin(workspace)
    if origin is None:
        return _problem(403, "origin_not_allowed", "This site may not use this tracker.", None)
    try:
        shown = keep_alive(workspace, session_uuid, utcnow())
    except NotFound as error:
        db.session.rollback()
        return _problem(404, "visit_ended", error.message, origin)
    db.session.commit()
    return _answer(shown, origin)
