"""A phone's "unsent logs" file, imported by a coordinator: the same checks and idempotency as sync.

The logbook exports {"records": [...], "facilitator_id", "device_id"} when a phone cannot reach the
server. The file is read as a sync request is (batch.py), with no limit on the number of logs (its
size is bounded by the upload limit), and ingested for the facilitator the coordinator chooses or
the file names; the device counts only when it is that facilitator's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlite_utils

from .batch import batch_records, parse_json
from .ingest import Sender, SyncResult, ingest
from .record import is_uuid
from .rules import SyncRules


class NoFacilitator(LookupError):
    """Neither the coordinator's choice nor the file names a facilitator of this server."""


@dataclass(frozen=True)
class Imported:
    """What an import stored: for whom, from which phone (None: not known), one result per log."""

    facilitator_id: str
    device_id: str | None
    results: list[SyncResult]

    @property
    def counts(self) -> dict[str, int]:
        """How many logs got each status (for the audit trail)."""
        return dict(Counter(result.status for result in self.results))


def import_file(
    db: sqlite_utils.Database, data: bytes, chosen: str | None, rules: SyncRules
) -> Imported:
    """Read and ingest an unsent-logs file; BadBatch when it is not one, NoFacilitator (after the
    file is read) when no facilitator of this server is chosen or named."""
    body = parse_json(data)
    records = batch_records(body, limit=None)
    named = body.get("facilitator_id")
    facilitator_id = chosen or (named if is_uuid(named) else None)
    rows = list(db["facilitators"].rows_where("id = ?", [facilitator_id or ""]))
    if not rows:
        raise NoFacilitator(facilitator_id)
    device_id = body.get("device_id") if is_uuid(body.get("device_id")) else None
    if not db["devices"].count_where(
        "id = ? and facilitator_id = ?", [device_id or "", facilitator_id]
    ):
        device_id = None
    sender = Sender(device_id=device_id, facilitator_id=facilitator_id, country=rows[0]["country"])
    return Imported(facilitator_id, device_id, ingest(db, records, sender, rules))
