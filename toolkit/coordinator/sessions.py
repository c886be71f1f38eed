"""Server-side coordinator sessions: the signed cookie carries only a random session id.

The database keeps a SHA-256 of that id (a copy of the database opens no session), who it belongs to,
when it began and when it was last used. A session ends on logout, when the coordinator's password
changes or the account is withdrawn (every session of that coordinator), after COORDINATOR_IDLE_HOURS
without use (8) and at the latest PERMANENT_SESSION_LIFETIME after sign-in (24 h). No Flask import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlite_utils

TOUCH_EVERY = dt.timedelta(minutes=1)  # write last_seen_at at most this often: not on every page


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def start(db: sqlite_utils.Database, coordinator_id: str, now: dt.datetime) -> str:
    """A new session for the coordinator: the id to put in the cookie."""
    session_id = secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO coordinator_sessions (id_hash, coordinator_id, created_at, last_seen_at) "
        "VALUES (?, ?, ?, ?)",
        [_hash(session_id), coordinator_id, _iso(now), _iso(now)],
    )
    return session_id


def find(
    db: sqlite_utils.Database,
    session_id: str,
    now: dt.datetime,
    idle: dt.timedelta,
    absolute: dt.timedelta,
) -> str | None:
    """The coordinator id of a live session, else None (an expired session is deleted on the way)."""
    if not isinstance(session_id, str) or not session_id:
        return None
    digest = _hash(session_id)
    row = db.execute(
        "SELECT coordinator_id, created_at, last_seen_at FROM coordinator_sessions WHERE id_hash = ?",
        [digest],
    ).fetchone()
    if row is None:
        return None
    coordinator_id, created_at, last_seen_at = row
    created, last_seen = (
        dt.datetime.fromisoformat(created_at),
        dt.datetime.fromisoformat(last_seen_at),
    )
    if now - last_seen >= idle or now - created >= absolute:
        db.execute("DELETE FROM coordinator_sessions WHERE id_hash = ?", [digest])
        return None
    if now - last_seen >= TOUCH_EVERY:
        db.execute(
            "UPDATE coordinator_sessions SET last_seen_at = ? WHERE id_hash = ?",
            [_iso(now), digest],
        )
    return coordinator_id


def end(db: sqlite_utils.Database, session_id: str) -> None:
    """Logout: this session stops working."""
    if isinstance(session_id, str):
        db.execute("DELETE FROM coordinator_sessions WHERE id_hash = ?", [_hash(session_id)])


def end_all(db: sqlite_utils.Database, coordinator_id: str) -> int:
    """Password changed or account withdrawn: every session of the coordinator stops working."""
    return db.execute(
        "DELETE FROM coordinator_sessions WHERE coordinator_id = ?", [coordinator_id]
    ).rowcount


def purge_expired(
    db: sqlite_utils.Database, now: dt.datetime, idle: dt.timedelta, absolute: dt.timedelta
) -> int:
    """Delete sessions past either lifetime (called now and then at sign-in)."""
    return db.execute(
        "DELETE FROM coordinator_sessions WHERE last_seen_at <= ? OR created_at <= ?",
        [_iso(now - idle), _iso(now - absolute)],
    ).rowcount
