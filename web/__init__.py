"""The Flask application factory."""

import logging
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from models import Database
from reliefmap.config import Config, load_config
from web import (
    admin,
    api,
    auth,
    db,
    editor,
    editor_guides,
    errors,
    feeds,
    guides,
    health,
    open_data,
    params,
    public,
    resources,
    security,
)

log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None, config: Config | None = None) -> Flask:
    """Build the app from config.toml (or `config`); `test_config` overrides Flask settings."""
    config = config or load_config()
    app = Flask(__name__)
    secret = config.secret_key
    if not secret:
        log.warning("RELIEFMAP_SECRET_KEY is not set: using a random key, so sessions end "
                    "when the process restarts")
        secret = secrets.token_hex(32)
    app.config.from_mapping(
        SECRET_KEY=secret,
        RELIEFMAP=config,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.web.secure_cookies,
        # A form token lives as long as the login: an editor who takes two hours over a review
        # must not lose it to an expired token (the token is still bound to the session).
        WTF_CSRF_TIME_LIMIT=None,
    )
    if test_config:
        app.config.update(test_config)
    # A page's queries are small: starting a parallel worker for one (PostgreSQL plans one for
    # a near question's box) took longer than the query, on cores the other requests need.
    db.init_app(app, Database(app.config.get("DATABASE_URL", config.database_url),
                              parallel_queries=False))
    if config.web.proxy_hops:
        hops = config.web.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    security.init_app(app)
    errors.init_app(app)
    params.init_app(app)

    app.register_blueprint(public.bp)
    app.register_blueprint(guides.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(open_data.bp)
    app.register_blueprint(health.bp)

    app.register_blueprint(auth.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(editor_guides.bp)
    app.register_blueprint(admin.bp)
    return app
