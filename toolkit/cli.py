"""The `toolkit` command: a Flask group, so `toolkit run` and `toolkit routes` come for free."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click
import sqlite_utils
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from . import audit
from .db import connect, init_db
from .languages import LANGUAGES, language_for_country
from .version import APP_VERSION


def _make_app():
    from . import create_app

    return create_app()


@contextlib.contextmanager
def operator_errors(*errors: type[Exception]) -> Iterator[None]:
    """An error of `errors` is the command's message to the operator (exit 1), not a traceback."""
    try:
        yield
    except errors as problem:
        raise click.ClickException(str(problem)) from None


@contextlib.contextmanager
def command_database(*errors: type[Exception]) -> Iterator[sqlite_utils.Database]:
    """The app's database for one command, created or upgraded first and closed after; `errors`
    as in `operator_errors`."""
    init_db(current_app.config["DATABASE"])
    db = connect(current_app.config["DATABASE"])
    try:
        with operator_errors(*errors):
            yield db
    finally:
        db.conn.close()


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
@click.version_option(APP_VERSION, prog_name="toolkit")
def cli() -> None:
    """Facilitator Toolkit: serve the app, manage the database, facilitators and sync."""


@click.command("init-db")
@click.option(
    "--replica",
    metavar="URL",
    help="Also write Litestream's configuration replicating the database to URL: a folder on "
    "another disk (/mnt/backup/toolkit) or s3://bucket/path?endpoint=…  Then run `toolkit replicate`.",
)
@with_appcontext
def init_db_command(replica: str | None) -> None:
    """Create or upgrade the database (safe to run again)."""
    from .enrolment import code_key

    applied = init_db(current_app.config["DATABASE"])
    db = connect(current_app.config["DATABASE"])
    try:
        code_key(db)  # the enrolment-code key file, owned by whoever runs the server's commands
    finally:
        db.conn.close()
    if applied:
        click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        click.echo("Database is up to date.")
    click.echo(f"Database: {current_app.config['DATABASE']}")
    if replica:
        from .replication import ReplicationError, config_path, public_url, write_config

        path = config_path(current_app.instance_path, current_app.config)
        with operator_errors(ReplicationError):
            written = write_config(path, current_app.config["DATABASE"], replica)
        click.echo(f"Litestream configuration: {path}")
        click.echo(f"Replica: {public_url(written['dbs'][0]['replica']['url'])}")
        click.echo("Start replicating with `toolkit replicate` (docs/DEPLOY.md: a systemd unit).")


@click.command("replicate")
@with_appcontext
def replicate_command() -> None:
    """Replicate the database continuously with Litestream (runs until stopped; for systemd)."""
    import os

    from .replication import ReplicationError, config_path, litestream_binary, read_config

    path = config_path(current_app.instance_path, current_app.config)
    with operator_errors(ReplicationError):
        settings = read_config(path, current_app.config["DATABASE"])
        if settings is None:
            raise ReplicationError(
                f"No Litestream configuration for {current_app.config['DATABASE']} in {path}: "
                "write one with `toolkit init-db --replica URL`."
            )
        binary = litestream_binary()
    # exec, not a child: systemd's stop signal reaches Litestream itself, which syncs and exits.
    os.execv(binary, [binary, "replicate", "-config", path])


@click.command("backup")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(),
    help="A new file, or a folder (the file is named by the time, e.g. toolkit-20261201T0245Z.sqlite).",
)
@with_appcontext
def backup_command(target: str) -> None:
    """A consistent, checked copy of the database while the server runs (hub or central)."""
    from .backup import BackupError, backup

    with operator_errors(BackupError):
        copy = backup(current_app.config["DATABASE"], target)
    for line in copy.lines():
        click.echo(line)


@click.command("restore")
@click.option(
    "--from",
    "source",
    required=True,
    help="A backup file from `toolkit backup`, a replica folder, a replica URL (s3://…), or "
    "`replica` for the one in the Litestream configuration.",
)
@click.option("--to", "target", type=click.Path(), help="The new database file to write.")
@click.option(
    "--check",
    is_flag=True,
    help="Restore into a temporary file, check it, compare with the live database, delete it.",
)
@click.option(
    "--timestamp", help="From a replica: the state at this UTC time, e.g. 2026-12-01T02:00:00Z."
)
@with_appcontext
def restore_command(source: str, target: str | None, check: bool, timestamp: str | None) -> None:
    """Restore the database from a backup file or a Litestream replica into a NEW file."""
    from .backup import BackupError, live_counts, restore
    from .replication import ReplicationError, config_path, read_config

    if source == "replica":
        with operator_errors(ReplicationError):
            settings = read_config(
                config_path(current_app.instance_path, current_app.config),
                current_app.config["DATABASE"],
            )
        if settings is None:
            raise click.ClickException("No replica is configured: give --from a folder or URL.")
        source = settings.replica
    if check and target:
        raise click.UsageError("--check restores into a temporary file: leave out --to.")
    with operator_errors(BackupError):
        copy = restore(source, target, check=check, timestamp=timestamp)
    for line in copy.lines():
        click.echo(line)
    if check:
        live = live_counts(current_app.config["DATABASE"])
        if live is not None:
            behind = {
                t: live[t] - copy.counts.get(t, 0) for t in live if live[t] != copy.counts.get(t)
            }
            click.echo(
                "live database (not touched): "
                + ", ".join(f"{table} {count}" for table, count in live.items())
            )
            click.echo(
                "the restore holds the same counts"
                if not behind
                else "differences (live minus restored): "
                + ", ".join(f"{table} {n:+d}" for table, n in behind.items())
            )
        click.echo("Restore check passed: the live database was not touched.")
    else:
        click.echo(
            "Restored. Point DATABASE at it (or move it into place with the server stopped), "
            "chown it to the server's user, start the server, then `toolkit replicate`."
        )


@click.command("status")
@with_appcontext
def status_command() -> None:
    """The server's state: database, replica lag, counts. Exits 1 when something needs action."""
    from .status import details, health

    report = health(current_app.instance_path, current_app.config)
    rows = details(current_app.instance_path, current_app.config)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name + ':':<{width + 2}}{value}")
    if not report["ok"]:
        raise click.ClickException(
            "needs action: "
            + (
                f"the database is {report['database']}"
                if report["database"] != "ok"
                else "the replica is not up to date (is `toolkit replicate` running?)"
            )
        )


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Create the database and fill it with demo records (for `make run`; never on a real server)."""
    from . import demo
    from .library import library, sync_rules
    from .sync.record import utc_now

    with command_database(demo.DemoError) as db:
        made = demo.fill_logbook(db, library(), sync_rules(), utc_now())
        demo.add_coordinator(db)
    for facilitator in made:
        click.echo(f"{facilitator.name} ({facilitator.country}): {facilitator.new_logs} new logs")
        click.echo(f"code: {facilitator.code}")
        click.echo(f"url: {_enrolment_url(None, facilitator.lang, facilitator.code)}")
    user, password = demo.DEMO_COORDINATOR
    # Printed: the demo database is for trying the app out.
    click.echo(f"Coordinator login: /coordinator/login  user {user!r}, password {password!r}")
    click.echo(f"Demo database ready: {current_app.config['DATABASE']}")


@click.command("create-facilitator")
@click.argument("name")
@click.option(
    "--country",
    type=click.Choice(["NP", "PK"], case_sensitive=False),
    required=True,
    help="NP (Nepal) or PK (Pakistan): picks her district list.",
)
@with_appcontext
def create_facilitator_command(name: str, country: str) -> None:
    """Add a facilitator (then give her phone a code with `toolkit enrol NAME`)."""
    from .enrolment import FacilitatorError, create_facilitator

    with command_database(FacilitatorError) as db:
        facilitator = create_facilitator(db, name, country)
    click.echo(f"Created facilitator {facilitator['name']} ({facilitator['country']})")
    click.echo(f"id: {facilitator['id']}")


def _enrolment_url(base_url: str | None, lang: str, code: str) -> str:
    from .enrolment import enrolment_link

    base = base_url or current_app.config.get("BASE_URL") or "http://127.0.0.1:5000"
    return enrolment_link(base, lang, code)


@click.command("enrol")
@click.argument("name")
@click.option(
    "--lang",
    type=click.Choice(list(LANGUAGES)),
    default=None,
    help="Language of the enrol page (default: the language of the facilitator's country).",
)
@click.option(
    "--base-url",
    default=None,
    help="The server's address as phones reach it (default: config BASE_URL, else "
    "http://127.0.0.1:5000).",
)
@with_appcontext
def enrol_command(name: str, lang: str | None, base_url: str | None) -> None:
    """Print a one-time enrolment code and its QR code for a facilitator's phone."""
    import io

    import segno

    from .enrolment import CODE_HOURS, find_facilitators, issue_code

    with command_database() as db:
        found = find_facilitators(db, name)
        if not found:
            raise click.ClickException(
                f"No facilitator named {name!r}. Add her first: "
                f"toolkit create-facilitator {name!r} --country NP|PK"
            )
        if len(found) > 1:
            ids = ", ".join(f["id"] for f in found)
            raise click.ClickException(f"Several facilitators match {name!r}; give an id: {ids}")
        facilitator = found[0]
        hours = int(current_app.config.get("ENROLMENT_CODE_HOURS", CODE_HOURS))
        code, expires = issue_code(db, facilitator["id"], hours=hours)
        audit.record(
            db, "enrolment_code_issued", actor="cli", details={"facilitator": facilitator["id"]}
        )
    lang = lang or language_for_country(facilitator["country"])
    url = _enrolment_url(base_url, lang, code)
    click.echo(
        f"Enrolment for {facilitator['name']} ({facilitator['country']}): works once, "
        f"until {expires:%Y-%m-%d %H:%M} UTC."
    )
    click.echo(f"code: {code}")
    click.echo(f"url: {url}")
    qr = io.StringIO()
    segno.make(url, error="m").terminal(out=qr, compact=True)
    click.echo(qr.getvalue())


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    for command in (replicate_command, backup_command, restore_command, status_command):
        app.cli.add_command(command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(create_facilitator_command)
    app.cli.add_command(enrol_command)
