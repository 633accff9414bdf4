"""Ring Tonic: self-hostable call tracking for agencies."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ringtonic import config as config_module
from ringtonic.json_provider import OrjsonProvider

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the application; `config` (as tests pass it) overrides the environment."""
    app = Flask(
        __name__,
        instance_path=str(
            (config or {}).get("INSTANCE_PATH")
            or os.environ.get("RINGTONIC_INSTANCE_PATH")
            or PROJECT_ROOT / "instance"
        ),
        instance_relative_config=False,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.json = OrjsonProvider(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    register_config(app, config)
    register_geoip(app)
    register_extensions(app)
    register_blueprints(app)
    register_observability(app)
    register_api_transport(app)
    register_security(app)
    register_errors(app)
    register_background(app)
    register_commands(app)
    return app


def register_config(app: Flask, overrides: Mapping[str, object] | None) -> None:
    """Load defaults, then the environment (or the overrides given instead)."""
    app.config.update(config_module.DEFAULTS)
    if overrides is not None and "SECRET_KEY" in overrides:
        # Tests and embedders configure the app directly, environment unused.
        env: dict[str, str] = {"SECRET_KEY": str(overrides["SECRET_KEY"])}
    else:
        env = dict(os.environ)
    app.config.update(config_module.from_environment(env, Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    trusted = int(app.config.get("RINGTONIC_TRUSTED_PROXIES") or 0)
    if trusted:
        # Only proxies the operator declared may set the client address, scheme, host and
        # the path prefix the app is mounted under (X-Forwarded-Prefix).
        # Flask's documented way to wrap the app in WSGI middleware.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted, x_prefix=trusted
        )


def register_geoip(app: Flask) -> None:
    """Open the visitor-location database once for this process, or fail start-up clearly."""
    from ringtonic.services.tracking.location import LocationDatabaseError, open_locator

    path = app.config.get("RINGTONIC_GEOIP_DB")
    if not path:
        return
    try:
        app.extensions["ringtonic_locator"] = open_locator(path)
    except LocationDatabaseError as error:
        raise config_module.ConfigError(f"RINGTONIC_GEOIP_DB: {error}") from None


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to the app."""
    from ringtonic import rate_limits
    from ringtonic.db import engines
    from ringtonic.extensions import csrf, db, login_manager, migrate
    from ringtonic.services.keys import generations
    from ringtonic.services.reporting import rollups

    db.init_app(app)
    with app.app_context():
        engines.install(
            db.engine,
            session_settings=not app.config["RINGTONIC_DATABASE_TRANSACTION_POOLER"],
        )
    rollups.install(db.session)
    generations.install(db.session)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    with app.app_context():
        rate_limits.init_app(app, db.engine)
    login_manager.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount every blueprint."""
    from ringtonic.api import bp as api_bp
    from ringtonic.auth import bp as auth_bp
    from ringtonic.calls import bp as calls_bp
    from ringtonic.docs import bp as docs_bp
    from ringtonic.handling import bp as handling_bp
    from ringtonic.hooks import bp as hooks_bp
    from ringtonic.money_map import bp as money_map_bp
    from ringtonic.settings import bp as settings_bp
    from ringtonic.tracking import bp as tracking_bp
    from ringtonic.web import bp as web_bp
    from ringtonic.website import bp as website_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(hooks_bp)
    app.register_blueprint(tracking_bp)
    # Before calls: /calls/blocked must not be read as a call's uuid.
    app.register_blueprint(handling_bp)
    app.register_blueprint(calls_bp)
    app.register_blueprint(money_map_bp)
    app.register_blueprint(website_bp)


def register_observability(app: Flask) -> None:
    """Add request ids, request metrics, /readyz and /metrics."""
    from ringtonic import observability

    observability.init_app(app)


def register_api_transport(app: Flask) -> None:
    """Add the API's opt-in CORS and its response compression (they need the API's routes)."""
    from ringtonic.api import compression, cors

    cors.init_app(app)
    compression.init_app(app)


def register_security(app: Flask) -> None:
    """Install sign-in handling, form workspace checks, security headers and log redaction."""
    from ringtonic import log_redaction, security
    from ringtonic.view_helpers import workspace_guard

    security.init_app(app)
    workspace_guard.init_app(app)
    log_redaction.install()


def register_errors(app: Flask) -> None:
    """Install the HTML error pages."""
    from ringtonic.view_helpers import errors

    errors.init_app(app)


def register_background(app: Flask) -> None:
    """Build the background queue and send committed webhook events to it."""
    from ringtonic import background
    from ringtonic.background import webhooks
    from ringtonic.extensions import db

    background.init_app(app)
    webhooks.install(db.session)


def register_commands(app: Flask) -> None:
    """Add the operator CLI commands."""
    from ringtonic import cli

    cli.init_app(app)
