"""Facilitator Toolkit: an offline PWA for livelihood and wellbeing sessions, served by Flask."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .version import APP_VERSION

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["APP_VERSION", "create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then `test_config`."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("TOOLKIT_INSTANCE", str(ROOT / "instance")),
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping(
        SECRET_KEY="dev-only-change-me",
        DATABASE=os.path.join(app.instance_path, "toolkit.sqlite"),
        CONTENT_DIR=str(ROOT / "content"),
        BUILD_DIR=str(ROOT / "build"),
        MAX_CONTENT_LENGTH=1024 * 1024,
        BABEL_DEFAULT_LOCALE="en",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TOOLKIT")
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("TRUSTED_PROXIES"):
        # Behind N reverse proxies (docs/DEPLOY.md): rate limits count per client, not per proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from . import api, cli, coordinator, db, elsewhere, guides, i18n, runner, security

    security.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    guides.init_app(app)
    runner.init_app(app)
    coordinator.init_app(app)
    api.init_app(app)
    elsewhere.init_app(app)
    from . import logbook

    logbook.init_app(app)
    cli.init_app(app)
    from . import printing

    printing.init_app(app)
    from . import pwa

    pwa.init_app(app)
    from . import hub

    hub.init_app(app)
    if app.config.get("BENCH_ROUTES"):  # bench/guide_page.py only; never in production
        from . import bench_routes

        bench_routes.init_app(app)
    return app
