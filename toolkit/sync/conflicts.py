"""Conflicts and stale edits a coordinator resolves: the version she chooses becomes current.

A conflict (the same rev with other content) or a stale edit (a lower rev) leaves the phone's copy
in `session_log_revisions` (ingest.py). Resolving stores the chosen version as the next rev through
`ingest`, with the same checks as a sync; both versions stay in the history.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from .ingest import Sender, ingest, row_to_record
from .rules import SyncRules

_WAITING = "reason in ('conflict', 'stale')"


class CopyGone(LookupError):
    """The copy or the log to resolve is not there (resolved already, or never was): a 404."""


class NotResolved(RuntimeError):
    """The chosen version could not be stored as the next rev (the log changed meanwhile): a 409."""


@dataclass(frozen=True)
class Resolution:
    """Which kept copy of which log (its rev and content hash), and which version to keep."""

    log_id: str
    copy_rev: str
    copy_hash: str
    keep_copy: bool  # the kept copy; else the server's current version


def waiting(db: sqlite_utils.Database) -> list[dict]:
    """Logs with a conflicting copy, and stale edits from phones, not yet resolved."""
    items = []
    for copy in db.query(
        f"select * from session_log_revisions where {_WAITING} order by received_at"
    ):
        current = next(db["session_logs"].rows_where("id = ?", [copy["log_id"]]), None)
        if current is not None:
            items.append({"other": copy, "current": current})
    return items


def resolve(db: sqlite_utils.Database, choice: Resolution, rules: SyncRules) -> None:
    """Store the chosen version as the log's next rev; mark the copy resolved.

    CopyGone when there is no such copy or log, NotResolved when ingest does not store it.
    """
    key = [choice.log_id, choice.copy_rev, choice.copy_hash]
    copy = next(
        db["session_log_revisions"].rows_where(
            f"log_id = ? and rev = ? and content_hash = ? and {_WAITING}", key
        ),
        None,
    )
    current = next(db["session_logs"].rows_where("id = ?", [choice.log_id]), None)
    if copy is None or current is None:
        raise CopyGone(choice.log_id)
    record = {**row_to_record(copy if choice.keep_copy else current), "rev": current["rev"] + 1}
    country = next(db["facilitators"].rows_where("id = ?", [current["facilitator_id"]]), {}).get(
        "country"
    )
    sender = Sender(current["device_id"], current["facilitator_id"], country)
    [result] = ingest(db, [record], sender, rules)
    if result.status != "updated":
        raise NotResolved(choice.log_id)
    db.execute(
        "update session_log_revisions set reason = reason || '-resolved' "
        "where log_id = ? and rev = ? and content_hash = ?",
        key,
    )
