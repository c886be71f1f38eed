"""Coordinator accounts on the command line: create one, reset a password, withdraw one.

The first admin is made here (no web page can make an account); each action goes in the audit log
with the actor `cli`.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import audit
from ..db import get_db
from ..languages import LANGUAGES
from .accounts import ROLES, create_coordinator, set_password, withdraw_coordinator


@click.command("create-coordinator")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="coordinator",
    show_default=True,
    help="admin can reset other coordinators' passwords and approve recordings; "
    "recorder only records spoken scripts",
)
@click.option("--lang", type=click.Choice(list(LANGUAGES)), default="en", show_default=True)
@click.password_option(help="at least 10 characters (asked for when not given)")
@with_appcontext
def create_coordinator_command(username: str, role: str, lang: str, password: str) -> None:
    """Create a coordinator who can sign in at /coordinator/login."""
    try:
        create_coordinator(get_db(), username, password, role, lang)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    audit.record(
        get_db(), "coordinator_created", actor="cli", details={"user": username, "role": role}
    )
    click.echo(f"Coordinator {username!r} created ({role}).")


@click.command("set-password")
@click.argument("username")
@click.password_option(help="at least 10 characters (asked for when not given)")
@with_appcontext
def set_password_command(username: str, password: str) -> None:
    """Reset a coordinator's password."""
    try:
        set_password(get_db(), username, password)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    audit.record(get_db(), "password_changed", actor="cli", details={"user": username})
    click.echo(f"Password of {username!r} changed; their sessions have ended.")


@click.command("withdraw-coordinator")
@click.argument("username")
@with_appcontext
def withdraw_coordinator_command(username: str) -> None:
    """Close a coordinator's account: no more sign-ins, and their open sessions end now."""
    try:
        withdraw_coordinator(get_db(), username)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    audit.record(get_db(), "coordinator_withdrawn", actor="cli", details={"user": username})
    click.echo(f"Account of {username!r} withdrawn; their sessions have ended.")
