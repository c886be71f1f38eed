"""Retention: free-text notes are erased once the configured period has passed."""

from __future__ import annotations

import datetime as dt

import click
from flask import (
    current_app,
)
from flask.cli import with_appcontext

from .. import audit
from ..db import get_db, immediate


@click.command("purge-notes")
@click.option(
    "--older-than",
    "days",
    type=int,
    default=None,
    help="days to keep notes (default: config NOTES_RETENTION_DAYS, 180)",
)
@with_appcontext
def purge_notes_command(days: int | None) -> None:
    """Erase free-text notes of sessions held longer ago than the retention period (run daily)."""
    days = days if days is not None else current_app.config["NOTES_RETENTION_DAYS"]
    purged = purge_notes(get_db(), days)
    audit.record(
        get_db(),
        "purge",
        actor="cli",
        details={"what": "notes", "records": purged, "days_kept": days},
    )
    click.echo(f"Notes purged from {purged} record(s) held more than {days} days ago.")


def purge_notes(db, days: int, today: dt.date | None = None) -> int:
    """Blank `notes` of logs (and their kept revisions) held before the cut-off; return how many."""
    cutoff = ((today or dt.date.today()) - dt.timedelta(days=days)).isoformat()
    purged = 0
    with immediate(db.conn):
        for table in ("session_logs", "session_log_revisions"):
            if db[table].exists():
                cursor = db.execute(
                    f"update [{table}] set notes = '' where held_on < ? and coalesce(notes, '') != ''",
                    [cutoff],
                )
                purged += cursor.rowcount
    return purged
