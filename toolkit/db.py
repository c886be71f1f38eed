"""One SQLite connection per request on `g`, in WAL mode with a busy timeout.

`synchronous = FULL`: in WAL mode every commit is fsynced before COMMIT returns, so a sync batch
the server acknowledged survives a power cut (NORMAL keeps the file consistent but may lose the last
commits, and the phone, told they were stored, would never send them again). bench/sync_load.py
shows what it costs.

Every write of more than one statement goes through `immediate(conn)`: one `BEGIN IMMEDIATE`
transaction, committed or rolled back as a whole (the connection is in autocommit mode, so
`with conn:` alone would not make its statements one transaction).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator

import sqlite_utils
from flask import Flask, current_app, g

from .migrations import migrate

BUSY_TIMEOUT_MS = 5000
SYNCHRONOUS = "FULL"


def connect(path: str, synchronous: str = SYNCHRONOUS) -> sqlite_utils.Database:
    """Open the database the way every part of the toolkit expects it.

    `synchronous` is for the bench's reference measurement only; the app always uses FULL.
    """
    if synchronous not in ("FULL", "NORMAL", "EXTRA"):
        raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    # An INSERT OR REPLACE then fires delete triggers too (the report rollup's, migrations.py).
    conn.execute("PRAGMA recursive_triggers = ON")
    return sqlite_utils.Database(conn)


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once: every statement in the block commits, or none does.

    IMMEDIATE, not deferred (sqlite-utils' `atomic()`): a deferred transaction that reads and then
    writes under concurrency fails with "database is locked" whatever the busy timeout, where an
    immediate one waits its turn at BEGIN. A failed COMMIT (a full disk) is rolled back too.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def get_db() -> sqlite_utils.Database:
    """The request's database connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def init_db(path: str) -> list[str]:
    """Create or upgrade the schema. Safe to run again: returns the migrations applied now."""
    db = connect(path)
    try:
        return migrate(db)
    finally:
        db.conn.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)


def describe_failure(failure: sqlite3.Error, path: str) -> str:
    """A storage failure for the server's log: SQLite's reason, the file, and what usually fixes it.

    SQLite's messages name no data ("attempt to write a readonly database", "database or disk is
    full"), so they are safe to log; request bodies never are.
    """
    reason = str(failure) or "no detail"
    hint = ""
    if "readonly" in reason or "unable to open" in reason:
        folder = os.path.dirname(os.path.abspath(path))
        hint = (
            f"; the server's user (uid {os.geteuid()}) must be able to write the file and its "
            f"folder {folder} (SQLite creates -wal and -shm there): chown it to that user"
        )
    elif "full" in reason:
        hint = "; free disk space where the database lives"
    return f"{type(failure).__name__}: {reason} (database {path}{hint})"
