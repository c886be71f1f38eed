"""How the server stands: does the database answer, how far does the replica lag.

`/api/v1/health` shows `health()` to anyone, so it never holds a path, a URL or a secret;
`toolkit status` prints the same and more for the operator (`details()`).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .replication import ReplicationError, Settings, config_path, read_config, replica_state

MAX_LAG_SECONDS = 60  # past this the replica counts as behind: health says ok false

_settings_cache: dict[str, tuple[float, Settings | None]] = {}


def replication_settings(instance_path: str, config: dict) -> Settings | None:
    """The Litestream configuration of this database, read again only when the file changes."""
    path = config_path(instance_path, config)
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    cached = _settings_cache.get(path)
    if cached is None or cached[0] != mtime:
        try:
            cached = (mtime, read_config(path, config["DATABASE"]))
        except ReplicationError:
            cached = (mtime, None)
        _settings_cache[path] = cached
    return cached[1]


def database_state(path: str) -> str:
    """'ok', 'read-only' (the server's user cannot write it or its folder) or 'unavailable'."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=rw", uri=True, timeout=2)
        try:
            conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM session_logs LIMIT 1)").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return "unavailable"
    if not (os.access(path, os.W_OK) and os.access(os.path.dirname(path) or ".", os.W_OK)):
        return "read-only"
    return "ok"


def health(instance_path: str, config: dict) -> dict:
    """What anyone may know: the database answers, the replica's state and lag in seconds."""
    database = database_state(config["DATABASE"])
    replica = replica_state(replication_settings(instance_path, config))
    max_lag = float(config.get("REPLICATION_MAX_LAG", MAX_LAG_SECONDS))
    replica_ok = replica.state == "not configured" or (
        replica.state == "replicating"
        and replica.lag_seconds is not None
        and replica.lag_seconds <= max_lag
    )
    return {
        "ok": database == "ok" and replica_ok,
        "database": database,
        "replication": {**replica.to_json(), "ok": replica_ok},
    }


def details(instance_path: str, config: dict) -> list[tuple[str, str]]:
    """For the operator (`toolkit status`): the same as health, with paths, sizes and counts."""
    from .backup import live_counts

    report = health(instance_path, config)
    database = config["DATABASE"]
    rows: list[tuple[str, str]] = [("database", f"{report['database']}  {database}")]
    for suffix in ("", "-wal"):
        if os.path.exists(database + suffix):
            rows.append(
                (f"file{suffix or ''} size", f"{os.path.getsize(database + suffix) / 1e6:.1f} MB")
            )
    counts = live_counts(database) or {}
    if counts:
        rows.append(("rows", ", ".join(f"{table} {count}" for table, count in counts.items())))
    if os.path.exists(database):
        rows += _database_rows(database)
    return rows + _replication_rows(report["replication"], instance_path, config)


def _database_rows(database: str) -> list[tuple[str, str]]:
    """The last log, the journal mode, what only this hub holds and the field hubs, read only."""
    from .hub.progress import only_on_hub

    rows: list[tuple[str, str]] = []
    conn = sqlite3.connect(database, timeout=5)
    try:
        conn.execute("PRAGMA query_only = 1")
        last = conn.execute("SELECT MAX(received_at) FROM session_logs").fetchone()[0]
        rows.append(("last log received", last or "never"))
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        rows.append(("journal mode", mode))
        here = only_on_hub(conn)
        if here is not None:
            rows.append(("only on this hub", f"{here} log(s) no upstream has acknowledged"))
        hubs = conn.execute(
            "SELECT COUNT(*), COUNT(revoked_at), CASE WHEN SUM(revoked_at IS NULL AND "
            "last_push_at IS NULL) > 0 THEN 'never' ELSE MIN(CASE WHEN revoked_at IS NULL "
            "THEN last_push_at END) END FROM hubs"
        ).fetchone()
        if hubs[0]:
            rows.append(
                (
                    "field hubs",
                    f"{hubs[0]} ({hubs[1]} revoked); oldest last push of an active hub: "
                    f"{hubs[2] or '-'} (toolkit hubs)",
                )
            )
    except sqlite3.Error as failure:
        rows.append(("read error", f"{type(failure).__name__}: {failure}"))
    finally:
        conn.close()
    return rows


def _replication_rows(replica: dict, instance_path: str, config: dict) -> list[tuple[str, str]]:
    """Whether replication is set up, its state, where the replica is and how far behind it is."""
    settings = replication_settings(instance_path, config)
    if settings is None:
        return [
            ("replication", "not configured: toolkit init-db --replica URL, then toolkit replicate")
        ]
    from .replication import public_url

    lag = replica["lag_seconds"]
    return [
        ("replication", f"{replica['state']}{'' if replica['ok'] else '  (PROBLEM)'}"),
        ("replica", public_url(settings.replica)),
        ("litestream config", settings.config),
        (
            "replica lag",
            "unknown"
            if lag is None
            else f"{lag:.1f} s (last confirmed {replica['last_replicated_at']})",
        ),
    ]
