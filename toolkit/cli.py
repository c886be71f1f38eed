"""The `toolkit` command: a Flask group, so `toolkit run` and `toolkit routes` come for free."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .version import APP_VERSION


def _make_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app)
@click.version_option(APP_VERSION, prog_name="toolkit")
def cli() -> None:
    """Facilitator Toolkit: serve the app, manage the database, facilitators and sync."""


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database (safe to run again)."""
    from .db import init_db

    applied = init_db(current_app.config["DATABASE"])
    if applied:
        click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        click.echo("Database is up to date.")
    click.echo(f"Database: {current_app.config['DATABASE']}")


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Create the database and fill it with demo records (for `make run`; never on a real server)."""
    from .db import init_db

    init_db(current_app.config["DATABASE"])
    click.echo(f"Demo database ready: {current_app.config['DATABASE']}")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(demo_data_command)
