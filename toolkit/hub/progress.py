"""On a field hub: what is still to send to each upstream, and what exists only here.

`toolkit sync status`, the push's summary, the backup's copy check and the health page read these.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils


def pending_count(db: sqlite_utils.Database, after: int) -> int:
    """How many changes (current rows and kept revisions) have a seq above `after`."""
    return db.execute(
        "SELECT (SELECT COUNT(*) FROM session_logs WHERE seq > ?) + "
        "(SELECT COUNT(*) FROM session_log_revisions WHERE seq > ?)",
        [after, after],
    ).fetchone()[0]


def oldest_pending(db: sqlite_utils.Database, after: int) -> str | None:
    """When the oldest change after `after` reached this hub (received_at), or None."""
    return db.execute(
        "SELECT MIN(received_at) FROM (SELECT received_at FROM session_logs WHERE seq > ? "
        "UNION ALL SELECT received_at FROM session_log_revisions WHERE seq > ?)",
        [after, after],
    ).fetchone()[0]


def peer_status(db: sqlite_utils.Database) -> list[dict]:
    """Each upstream: last push, pending changes, refused records, last error."""
    peers = []
    for peer in db.query("SELECT * FROM hub_peers ORDER BY url"):
        peer["pending"] = pending_count(db, peer["last_acked_seq"] or 0)
        peer["refused"] = list(
            db.query(
                "SELECT seq, log_id, rev, errors, refused_at FROM hub_push_refused "
                "WHERE url = ? ORDER BY seq",
                [peer["url"]],
            )
        )
        peers.append(peer)
    return peers


def refused_warning(count: int) -> str:
    return (
        f"{count} record(s) refused by the central server are kept here and sent again on every "
        "push: see `toolkit sync status` (often the central server needs the same content update)."
    )


def only_on_hub(db: sqlite_utils.Database | Any) -> int | None:
    """How many logs no upstream has acknowledged in any version: they exist only on this hub.

    A version counts as acknowledged by an upstream when its seq is at or below that upstream's
    `last_acked_seq` and it is not among the records it refused. None where nothing was ever pushed
    (a central server, or a hub before its first push: `toolkit sync status` says so).
    """
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "hub_peers" not in tables or not db.execute("SELECT 1 FROM hub_peers LIMIT 1").fetchone():
        return None
    return db.execute(
        "WITH versions AS (SELECT id, seq FROM session_logs "
        "  UNION ALL SELECT log_id, seq FROM session_log_revisions), "
        "acknowledged AS (SELECT DISTINCT v.id FROM versions v JOIN hub_peers p "
        "  ON v.seq <= p.last_acked_seq WHERE NOT EXISTS (SELECT 1 FROM hub_push_refused r "
        "  WHERE r.url = p.url AND r.seq = v.seq)) "
        "SELECT COUNT(DISTINCT id) FROM versions WHERE id NOT IN (SELECT id FROM acknowledged)"
    ).fetchone()[0]
