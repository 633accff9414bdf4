"""/readyz for load balancers and /metrics for Prometheus (behind RINGTONIC_METRICS_TOKEN)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, request

from ringtonic.extensions import csrf, db
from ringtonic.observability.metrics import exposition
from ringtonic.problems import bearer_challenge, problem_response
from ringtonic.services.operations.readiness import readiness

bp = Blueprint("ops", __name__)
csrf.exempt(bp)


@bp.after_request
def forbid_caching(response: Response) -> Response:
    """A stale readiness answer or scrape is worse than none."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
def readyz():
    """Answer 200 when the database (and Redis, when configured) answer; 503 naming which not."""
    result = readiness(db.engine, current_app.config.get("REDIS_URL"))
    if result.ready:
        return {"status": "ready", "checks": result.checks}
    failed = result.failed
    return problem_response(
        503,
        "not_ready",
        "Not ready",
        f"Unreachable: {', '.join(failed)}.",
        headers={"Retry-After": "1"},
        extra={"failed": failed, "checks": result.checks},
    )


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.get("/metrics")
def metrics():
    """Prometheus metrics for whoever holds RINGTONIC_METRICS_TOKEN; 404 when none is set."""
    expected = current_app.config.get("RINGTONIC_METRICS_TOKEN")
    if not expected:
        return problem_response(
            404, "not_found", "Not found", "Metrics are off: set RINGTONIC_METRICS_TOKEN."
        )
    token = _bearer_token()
    if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
        return problem_response(
            401,
            "invalid_metrics_token",
            "Metrics token missing or wrong",
            "Send Authorization: Bearer <RINGTONIC_METRICS_TOKEN>.",
            headers={"WWW-Authenticate": bearer_challenge("invalid_token")},
        )
    return exposition()
