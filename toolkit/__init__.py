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

    from . import cli, db, guides, i18n

    db.init_app(app)
    i18n.init_app(app)
    guides.init_app(app)
    cli.init_app(app)
    return app
