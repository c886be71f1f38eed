"""One SQLite connection per request on `g`, in WAL mode with a busy timeout."""

from __future__ import annotations

import sqlite3

import sqlite_utils
from flask import Flask, current_app, g

from .migrations import migrate

BUSY_TIMEOUT_MS = 5000


def connect(path: str) -> sqlite_utils.Database:
    """Open the database the way every part of the toolkit expects it."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    # An INSERT OR REPLACE then fires delete triggers too (the report rollup's, migrations.py).
    conn.execute("PRAGMA recursive_triggers = ON")
    return sqlite_utils.Database(conn)


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
