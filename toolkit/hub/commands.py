"""The `toolkit` commands for field hubs.

On the central server: `create-hub-token` and `revoke-hub`. On a field hub: `sync push` (once, or
`--every` interval) and `sync status`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse

import click
import sqlite_utils
from flask import current_app
from flask.cli import with_appcontext

from ..cli import command_database
from ..db import connect, immediate, init_db
from ..sync.record import MAX_RECORDS, utc_now
from .progress import oldest_pending, only_on_hub, peer_status, pending_count, refused_warning
from .pushing import PushReport, ensure_peer, push
from .registry import HubError, create_hub, hub_overview, revoke_hub
from .schedule import format_seconds, keep_pushing
from .upstream import DEFAULT_TIMEOUT, PushError, Upstream, normalise_url


class Interval(click.ParamType):
    """'10m', '30s', '1h', '90' (seconds) -> seconds."""

    name = "interval"
    _UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

    def convert(self, value, param, ctx):
        if isinstance(value, int | float):
            return float(value)
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value).lower())
        seconds = float(match[1]) * self._UNITS[match[2]] if match else 0
        if seconds < 1:
            self.fail(f"{value!r} is not an interval: write it like 30s, 10m or 1h", param, ctx)
        return seconds


def _database() -> sqlite_utils.Database:
    init_db(current_app.config["DATABASE"])
    return connect(current_app.config["DATABASE"])


def read_token(token: str | None, token_file: str | None) -> str:
    """The hub token from --token or the file (read again each time: a replaced file just works)."""
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as failure:
            raise PushError(
                f"Cannot read the token file {token_file}: {failure.strerror}."
            ) from None
        if not token:
            raise PushError(f"The token file {token_file} is empty: put the hub token in it.")
        # The whole line copied from `create-hub-token` ("token: …") works too.
        token = token.removeprefix("token:").strip()
    return (token or "").strip()


@click.group("sync")
def sync_group() -> None:
    """On a field hub: push its logs to the central server, and show how far that got."""


@sync_group.command("push")
@click.option(
    "--to", "url", required=True, help="The central server, e.g. https://toolkit.example.org"
)
@click.option(
    "--token",
    help="The hub token (other users can see it in the process list: prefer --token-file).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    help="A file holding the hub token from `toolkit create-hub-token` (read before every push).",
)
@click.option(
    "--every",
    type=Interval(),
    default=None,
    help="Keep pushing, e.g. every 10m (30s, 1h); after a failure retry sooner, backing off. Ctrl-C stops.",
)
@click.option(
    "--batch",
    type=click.IntRange(1, MAX_RECORDS),
    default=MAX_RECORDS,
    show_default=True,
    help="Records per request.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 600),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for the central server's answer.",
)
@click.option(
    "--from-start",
    is_flag=True,
    help="Send everything again (after the central database was restored from an older backup).",
)
@with_appcontext
def push_command(
    url: str,
    token: str | None,
    token_file: str | None,
    every: float | None,
    batch: int,
    timeout: float,
    from_start: bool,
) -> None:
    """Send this hub's facilitators, devices and session logs to the central server."""
    if bool(token) == bool(token_file):
        raise click.UsageError("Give the hub token with either --token or --token-file.")
    try:
        target = normalise_url(url)
    except PushError as problem:
        raise click.UsageError(str(problem)) from None
    host = urllib.parse.urlsplit(target).hostname or ""
    if target.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"Warning: {target} is plain HTTP: the hub token and logs travel unencrypted.", err=True
        )
    if from_start:
        db = _database()
        try:
            ensure_peer(db, target)
            db.execute("UPDATE hub_peers SET last_acked_seq = 0 WHERE url = ?", [target])
        finally:
            db.conn.close()

    def push_once() -> PushReport:
        upstream = Upstream(target, read_token(token, token_file), timeout)
        db = _database()
        try:
            return push(db, upstream, batch)
        finally:
            db.conn.close()

    if every is not None:
        click.echo(f"Pushing to {target} every {format_seconds(every)}; Ctrl-C stops.")
        try:
            keep_pushing(push_once, every)
        except KeyboardInterrupt:
            click.echo("Stopped.")
        return
    try:
        report = push_once()
    except PushError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(report.summary())
    if report.refused:
        raise click.ClickException(refused_warning(report.refused))
    click.echo("Everything is acknowledged: nothing pending.")


@sync_group.command("status")
@click.option(
    "--forget",
    "forget",
    metavar="URL",
    help="Forget an address pushed to by mistake (a typo, http instead of https): its progress "
    "and refusals are removed here; nothing changes on any server.",
)
@click.option(
    "--max-wait",
    type=Interval(),
    default="1h",
    show_default=True,
    help="Exit 1 when a change has waited longer than this for an upstream (for cron and "
    "monitoring); also when the last push failed or records are refused.",
)
@with_appcontext
def status_command(forget: str | None, max_wait: float) -> None:
    """Show each upstream: last push, records waiting, records refused, last error."""
    db = _database()
    try:
        if forget:
            _forget(db, forget)
            return
        peers = peer_status(db)
        if not peers:
            click.echo(
                f"No push yet; {pending_count(db, 0)} changes to send. Push with: toolkit sync "
                "push --to URL --token-file FILE"
            )
            return
        problems = []
        for peer in peers:
            click.echo(peer["url"])
            click.echo(f"  last push:  {peer['last_push_at'] or 'never completed'}")
            click.echo(
                f"  pending:    {peer['pending']} (acknowledged up to change {peer['last_acked_seq']})"
            )
            if peer["refused"]:
                click.echo(
                    f"  refused:    {len(peer['refused'])}, kept here, sent again every push:"
                )
                for row in peer["refused"]:
                    errors = "; ".join(f"{k}: {v}" for k, v in json.loads(row["errors"]).items())
                    click.echo(f"    log {row['log_id']} rev {row['rev']}: {errors}")
            click.echo(
                f"  last error: {peer['last_error_at']} {peer['last_error']}"
                if peer["last_error"]
                else "  last error: none"
            )
            problems += _problems(db, peer, max_wait)
        click.echo(f"logs only on this hub (no upstream has acknowledged them): {only_on_hub(db)}")
    finally:
        db.conn.close()
    if problems:
        raise click.ClickException(
            "needs attention: "
            + "; ".join(problems)
            + ". (An address pushed to by mistake: toolkit sync status --forget URL.)"
        )


def _problems(db: sqlite_utils.Database, peer: dict, max_wait: float) -> list[str]:
    """What about this upstream should wake someone: a failed push, refusals, changes waiting."""
    found = []
    if peer["last_error"]:
        found.append(f"the last push to {peer['url']} failed")
    if peer["refused"]:
        found.append(f"{len(peer['refused'])} record(s) refused by {peer['url']}")
    oldest = oldest_pending(db, peer["last_acked_seq"] or 0)
    if oldest is not None:
        waited = (
            utc_now() - dt.datetime.fromisoformat(oldest.replace("Z", "+00:00"))
        ).total_seconds()
        if waited > max_wait:
            found.append(
                f"{peer['pending']} change(s) for {peer['url']}, the oldest waiting "
                f"{format_seconds(waited)}"
            )
    return found


def _forget(db: sqlite_utils.Database, url: str) -> None:
    """Remove one upstream's progress and refusals from this hub."""
    try:
        target = normalise_url(url)
    except PushError as problem:
        raise click.UsageError(str(problem)) from None
    known = [row["url"] for row in db.query("SELECT url FROM hub_peers ORDER BY url")]
    if target not in known:
        raise click.ClickException(
            f"No upstream {target} here. Known: {', '.join(known) if known else 'none'}."
        )
    with immediate(db.conn):
        db.execute("DELETE FROM hub_push_refused WHERE url = ?", [target])
        db.execute("DELETE FROM hub_peers WHERE url = ?", [target])
    click.echo(
        f"Forgot {target}. If it was a real central server, the next push to it sends "
        "everything again (what it already has is answered unchanged)."
    )


@click.command("hubs")
@with_appcontext
def hubs_command() -> None:
    """On the central server: each field hub, its last push, what it still holds, revoked or not."""
    db = _database()
    try:
        hubs = hub_overview(db)
    finally:
        db.conn.close()
    if not hubs:
        click.echo("No hubs. Register one with: toolkit create-hub-token NAME")
        return
    for hub in hubs:
        state = f"REVOKED {hub['revoked_at']}" if hub["revoked_at"] else "active"
        click.echo(f"{hub['name']}  ({state}; id {hub['id']})")
        click.echo(f"  last push:  {hub['last_push_at'] or 'never completed'}")
        if hub["last_push_at"]:
            click.echo(
                f"  pending:    {hub['pending_changes']} change(s) held on the hub after that push,"
                f" {hub['refused_changes']} refused here"
            )
        click.echo(f"  relayed:    {hub['logs']} log(s) from {hub['phones']} phone(s)")


@click.command("create-hub-token")
@click.argument("name")
@click.option(
    "--replace", is_flag=True, help="Give an existing hub a new token; its old one stops working."
)
@with_appcontext
def create_hub_token_command(name: str, replace: bool) -> None:
    """On the central server: register a field hub and print its token (shown only once)."""
    with command_database(HubError) as db:
        hub, token = create_hub(db, name, replace=replace)
    click.echo(f"Hub {hub['name']!r} (id {hub['id']}).")
    click.echo(f"token: {token}")
    click.echo(
        "This token is shown only now. On the hub, save it in a file only the toolkit user can "
        "read (e.g. /etc/toolkit/hub-token, chmod 600) and run: toolkit sync push --to "
        "https://THIS-SERVER --token-file /etc/toolkit/hub-token"
    )


@click.command("revoke-hub")
@click.argument("name")
@with_appcontext
def revoke_hub_command(name: str) -> None:
    """On the central server: stop a field hub's token from working (what it sent stays)."""
    with command_database(HubError) as db:
        hub = revoke_hub(db, name)
    click.echo(f"Hub {hub['name']!r} can no longer push (revoked {hub['revoked_at']}).")
