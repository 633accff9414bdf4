"""What an operator sees: request ids, log format, readiness and Prometheus metrics."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Tag every request with an id, time it, and mount /readyz and /metrics."""
    from ringtonic.observability import metrics, request_ids
    from ringtonic.observability.views import bp

    request_ids.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(bp)
