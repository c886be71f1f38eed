"""Facilitator Toolkit: an offline PWA for livelihood and wellbeing sessions, served by Flask."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from flask import Flask

from .languages import SOURCE_LANGUAGE
from .sync.record import MAX_REQUEST_BYTES
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
        # No SECRET_KEY here: unless configured, security.py generates one into the instance folder.
        # Cookies are for HTTPS; `make run` on plain http://127.0.0.1 sets
        # TOOLKIT_SESSION_COOKIE_SECURE=false.
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=24),  # the absolute session lifetime
        DATABASE=os.path.join(app.instance_path, "toolkit.sqlite"),
        CONTENT_DIR=str(ROOT / "content"),
        BUILD_DIR=str(ROOT / "build"),
        # build.py's fonts, fonts.css and scripts; elsewhere for languages built outside the tree
        STATIC_DIR=str(ROOT / "static"),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        BABEL_DEFAULT_LOCALE=SOURCE_LANGUAGE,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TOOLKIT")
    else:
        app.config.from_mapping(test_config)
    app.static_folder = app.config["STATIC_DIR"]
    os.makedirs(app.instance_path, exist_ok=True)
    from .security import configure_secret_key, trust_proxies

    configure_secret_key(app)
    trust_proxies(app)  # proxy headers count only as TRUSTED_PROXIES says (docs/DEPLOY.md)

    from . import (
        api,
        cli,
        converters,
        coordinator,
        db,
        elsewhere,
        guides,
        i18n,
        library,
        runner,
        security,
    )

    converters.init_app(app)  # before any blueprint: routes name <lang:...> and <id:...>
    security.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    library.init_app(app)
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
    from . import listening

    listening.init_app(app)
    return app
