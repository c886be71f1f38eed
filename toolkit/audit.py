"""The audit log: who did what, when and from which address, for the programme's data-protection officer.

`record(db, action, actor=..., details=..., address=...)` appends one row to `audit_log`; admins read it
at /coordinator/audit; `purge(db, days)` drops rows older than the retention period (AUDIT_RETENTION_DAYS,
400 by default; `toolkit purge-audit`, run daily with `purge-notes`).

What goes in `details` is ids, counts, kinds and filters, never a participant's data or a note's text:
values are kept to short scalars (or lists of them) so that a free-text field cannot slip in whole.
No Flask import at module level: the CLI and other modules call `record` with their own connection.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

DEFAULT_RETENTION_DAYS = 400
# The actions the log knows (the /coordinator/audit page names each one in the reader's language).
ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "password_changed",
    "coordinator_created",
    "coordinator_withdrawn",
    "export",  # details: kind, filters
    "import",  # details: facilitator id, counts per status
    "phone_withdrawn",
    "enrolment_code_issued",
    "conflict_resolved",
    "purge",  # details: what (notes, audit), how many, days kept
    "audio_uploaded",  # details: guide, lang, block, recording id, seconds, bytes
    "audio_approved",
    "audio_kept",  # a recording kept for the edited text of its block
    "audio_removed",
)
MAX_VALUE_LENGTH = 120  # an id, a filter value or a count fits; a note would not
MAX_LIST_ITEMS = 50


def _clean(value):
    """A detail value as stored: short strings, numbers, booleans, None, or short lists of them."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple | set):
        return [_clean(item) for item in list(value)[:MAX_LIST_ITEMS]]
    return str(value)[:MAX_VALUE_LENGTH]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record(
    db: sqlite_utils.Database,
    action: str,
    *,
    actor: str | None = None,
    details: dict | None = None,
    address: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Append one event. `actor` is a coordinator's user name (or "cli"); `address` the client's IP."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to toolkit.audit.ACTIONS")
    cleaned = {str(key): _clean(value) for key, value in (details or {}).items()}
    db.execute(
        "INSERT INTO audit_log (at, action, actor, address, details) VALUES (?, ?, ?, ?, ?)",
        [
            (now or utc_now()).isoformat(timespec="seconds"),
            action,
            actor,
            address,
            json.dumps(cleaned, ensure_ascii=False, sort_keys=True),
        ],
    )


def record_request(action: str, *, actor: str | None = None, details: dict | None = None) -> None:
    """`record` from inside a request: the request's database, the signed-in coordinator, the address."""
    from flask import g, request

    from .db import get_db

    if actor is None:
        actor = (g.get("coordinator") or {}).get("username")
    record(get_db(), action, actor=actor, details=details, address=request.remote_addr)


def events(db: sqlite_utils.Database, before: int | None = None, limit: int = 200) -> list[dict]:
    """The newest events first (older ones after the event id `before`)."""
    where, params = ("WHERE id < ?", [before]) if before else ("", [])
    rows = db.query(
        f"SELECT id, at, action, actor, address, details FROM audit_log {where} "
        "ORDER BY id DESC LIMIT ?",
        [*params, limit],
    )
    return [{**row, "details": json.loads(row["details"] or "{}")} for row in rows]


def purge(db: sqlite_utils.Database, days: int, now: dt.datetime | None = None) -> int:
    """Delete events older than `days`; return how many went."""
    cutoff = ((now or utc_now()) - dt.timedelta(days=days)).isoformat(timespec="seconds")
    return db.execute("DELETE FROM audit_log WHERE at < ?", [cutoff]).rowcount
