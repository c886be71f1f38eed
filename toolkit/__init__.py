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


def defaults(instance_path: str) -> dict:
    """The configuration a server starts from, before instance/config.py and TOOLKIT_* settings."""
    return dict(
        # No SECRET_KEY here: unless configured, security.py generates one into the instance folder.
        # Cookies are for HTTPS; `make run` on plain http://127.0.0.1 sets
        # TOOLKIT_SESSION_COOKIE_SECURE=false.
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=24),  # the absolute session lifetime
        DATABASE=os.path.join(instance_path, "toolkit.sqlite"),
        CONTENT_DIR=str(ROOT / "content"),
        BUILD_DIR=str(ROOT / "build"),
        # build.py's fonts, fonts.css and scripts; elsewhere for languages built outside the tree
        STATIC_DIR=str(ROOT / "static"),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        BABEL_DEFAULT_LOCALE=SOURCE_LANGUAGE,
    )


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then `test_config`."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("TOOLKIT_INSTANCE", str(ROOT / "instance")),
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping(defaults(app.instance_path))
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
        hub,
        i18n,
        library,
        listening,
        logbook,
        printing,
        pwa,
        runner,
        security,
    )

    # In this order: converters before any blueprint (routes name <lang:...> and <id:...>), the
    # library before the views that read it.
    for part in (converters, security, db, i18n, library, guides, runner, coordinator, api):
        part.init_app(app)
    for part in (elsewhere, logbook, cli, printing, pwa, hub, listening):
        part.init_app(app)
    return app
