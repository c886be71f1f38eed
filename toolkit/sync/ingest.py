"""Ingest one batch: validate every record, then store the valid ones in ONE transaction.

A batch is ingested in one `BEGIN IMMEDIATE` transaction (db.py `immediate`): every valid record of
a batch commits together, or none does. Per record: created or updated (a higher rev; the row it
replaces is kept as a revision), unchanged (the same rev and content), or stale / conflict (a lower
rev, or the same rev with other content): the server's row stays current and her copy is kept in
`session_log_revisions` too, so nothing is lost. No Flask: the API view, the unsent-logs import,
conflict resolution, the demo data and the tests call `ingest` directly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ..db import immediate
from ..migrations import LOG_FIELDS
from .messages import NOT_HUB_DEVICE, NOT_HUB_FACILITATOR, OTHER_FACILITATOR, UNKNOWN_DISTRICT
from .record import (
    CANONICAL_JSON,
    CLIENT_FIELDS,
    JSON_FIELDS,
    FieldError,
    content_hash,
    iso,
    shown,
    utc_now,
)
from .rules import SyncRules
from .validation import validate_record

_ROW_COLUMNS = (
    "id",
    "rev",
    "device_id",
    "facilitator_id",
    *LOG_FIELDS,
    "created_at",
    "updated_at",
    "received_at",
    "content_hash",
    "relayed_by",
    "seq",
    "conflict",
)
_REVISION_COLUMNS = ("log_id", *_ROW_COLUMNS[1:], "superseded_at", "reason")


@dataclass(frozen=True)
class Sender:
    """Who sends a batch, from the token: a device (ids fixed) or a hub (relays the records' ids)."""

    device_id: str | None
    facilitator_id: str | None
    country: str | None
    hub_id: str | None = None

    @property
    def is_hub(self) -> bool:
        return self.hub_id is not None


@dataclass
class SyncResult:
    """The answer for one record, in the order the records came."""

    id: Any
    rev: Any
    status: str
    errors: dict[str, FieldError] | None = None
    current: dict | None = None

    def to_json(self, translate=str) -> dict:
        """The contract's result object; `translate(FieldError)` gives the message to show."""
        out: dict[str, Any] = {"id": self.id, "rev": self.rev, "status": self.status}
        if self.errors:
            out["errors"] = {name: translate(error) for name, error in self.errors.items()}
        if self.current is not None:
            out["current"] = self.current
        return out


@dataclass(frozen=True)
class HubScope:
    """What a hub token may write: logs of the facilitators and phones that hub registered.

    Checked inside the ingest transaction, so the people the hub pushed just before count.
    """

    countries: Mapping[str, str]  # facilitator id -> her country
    devices: Mapping[str, str]  # device id -> its facilitator id

    @classmethod
    def of(cls, conn, hub_id: str) -> HubScope:
        return cls(
            countries=dict(
                conn.execute("SELECT id, country FROM facilitators WHERE hub_id = ?", [hub_id])
            ),
            devices=dict(
                conn.execute("SELECT id, facilitator_id FROM devices WHERE hub_id = ?", [hub_id])
            ),
        )

    def refusal(self, clean: Mapping[str, Any], rules: SyncRules) -> dict[str, FieldError] | None:
        """The field errors of a relayed record outside this hub's scope, or None when it may."""
        facilitator = clean["facilitator_id"]
        if facilitator not in self.countries:
            return {"facilitator_id": FieldError(NOT_HUB_FACILITATOR)}
        if self.devices.get(clean["device_id"]) != facilitator:
            return {"device_id": FieldError(NOT_HUB_DEVICE)}
        # The facilitator's own country picks the districts (a device token's record: the same).
        if clean["district"] not in rules.districts.get(self.countries[facilitator], ()):
            return {"district": FieldError(UNKNOWN_DISTRICT, {"value": shown(clean["district"])})}
        return None


def row_to_record(row: Mapping[str, Any]) -> dict:
    """A stored row (session_logs or a revision) as the phone's record: the `current` of a result."""
    record = {name: row[name] for name in CLIENT_FIELDS if name != "id"}
    record["id"] = row["id"] if "id" in row else row["log_id"]
    for name in JSON_FIELDS:
        record[name] = (
            json.loads(record[name]) if record[name] else ([] if name != "referrals" else {})
        )
    record["voided"] = bool(record["voided"])
    return {name: record[name] for name in CLIENT_FIELDS}


def _echo(record: Any) -> tuple[str | None, int | None]:
    """The id and rev a result repeats: only as text and a whole number (never a list, NaN…)."""
    if not isinstance(record, Mapping):
        return None, None
    log_id, rev = record.get("id"), record.get("rev")
    return (
        shown(log_id, 100) if isinstance(log_id, str) else None,
        rev if type(rev) is int else None,
    )


def ingest(
    db: sqlite_utils.Database,
    records: Sequence[Mapping[str, Any]],
    sender: Sender,
    rules: SyncRules,
    now: dt.datetime | None = None,
    turn: contextlib.AbstractContextManager | None = None,
) -> list[SyncResult]:
    """Validate and store one batch; one result per record, in order.

    All valid records are written in one BEGIN IMMEDIATE transaction (a few queries for the whole
    batch); invalid ones are reported with field errors and nothing of them is stored. Raises
    sqlite3.Error when storage fails: then nothing was stored. `turn` is held around the
    transaction only (the API's one-writer-per-process lock), not around the validation.
    """
    now = now or utc_now()
    today = now.astimezone(dt.UTC).date()
    results: list[SyncResult] = []
    valid: list[tuple[int, dict, str]] = []  # (index in results, clean record, content hash)
    for record in records:
        clean, errors = validate_record(record, rules, sender.country, today, sender.is_hub)
        results.append(SyncResult(*_echo(record), "invalid", errors or None))
        if not errors:
            valid.append((len(results) - 1, clean, content_hash(clean)))
    if not valid:
        return results

    with turn or contextlib.nullcontext():
        _store(db.conn, results, valid, sender, rules, iso(now))
    return results


def _store(
    conn,
    results: list[SyncResult],
    valid: list[tuple[int, dict, str]],
    sender: Sender,
    rules: SyncRules,
    received_at: str,
) -> None:
    """Write the valid records of a batch in one BEGIN IMMEDIATE transaction; set their results."""
    with immediate(conn):
        batch = _Batch.read(conn, sender, received_at, {clean["id"] for _, clean, _ in valid})
        # A hub relays only the logs of the people it registered: never anyone else's.
        scope = HubScope.of(conn, sender.hub_id) if sender.is_hub else None
        for index, clean, digest in valid:
            result = results[index]
            result.errors = batch.refusal(clean, scope, rules)
            if result.errors is None:
                batch.take(result, clean, digest)
        batch.write(conn)


@dataclass
class _Batch:
    """One batch inside its transaction: the rows it touches, read first, and what it writes last."""

    sender: Sender
    received_at: str
    current: dict[str, dict]  # log id -> its session_logs row, as the batch goes on
    seq: int
    changed: dict[str, dict] = field(default_factory=dict)  # rows to upsert
    kept: list[tuple] = field(default_factory=list)  # revisions to keep

    @classmethod
    def read(cls, conn, sender: Sender, received_at: str, ids: set[str]) -> _Batch:
        marks = ",".join("?" * len(ids))
        cursor = conn.execute(f"SELECT * FROM session_logs WHERE id IN ({marks})", sorted(ids))
        names = [column[0] for column in cursor.description]
        current = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
        seq = conn.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]
        return cls(sender, received_at, current, seq)

    def refusal(
        self, clean: dict, scope: HubScope | None, rules: SyncRules
    ) -> dict[str, FieldError] | None:
        """Why this sender may not store a valid record (another's log, outside a hub's scope)."""
        if scope is not None and (refusal := scope.refusal(clean, rules)) is not None:
            return refusal
        row = self.current.get(clean["id"])
        owner = clean.get("facilitator_id", self.sender.facilitator_id)
        if row is not None and row["facilitator_id"] != owner:
            return {"id": FieldError(OTHER_FACILITATOR)}
        return None

    def take(self, result: SyncResult, clean: dict, digest: str) -> None:
        """Store a record as current, find it unchanged, or keep it as a stale or conflict copy."""
        row = self.current.get(clean["id"])
        if row is None or clean["rev"] > row["rev"]:
            if row is not None:
                self.kept.append(_revision(row, self.received_at, "superseded"))
            self.current[clean["id"]] = self.changed[clean["id"]] = self._row(clean, digest)
            result.status = "created" if row is None else "updated"
            return
        if clean["rev"] == row["rev"] and digest == row["content_hash"]:
            result.status = "unchanged"
            return
        # A lower rev (stale) or the same rev with other content (conflict): the server's row
        # stays current, and her copy is kept too, so nothing is lost.
        copy = self._row(clean, digest)
        result.status = "conflict" if clean["rev"] == row["rev"] else "stale"
        if result.status == "conflict" and not row["conflict"]:
            self.current[row["id"]] = self.changed[row["id"]] = row = {**row, "conflict": 1}
        self.kept.append(_revision(copy, self.received_at, result.status))
        result.current = row_to_record(row)

    def _row(self, clean: dict, digest: str) -> dict:
        """The session_logs row for a valid record, with the next seq."""
        self.seq += 1
        row = dict(clean)
        for name in JSON_FIELDS:
            row[name] = CANONICAL_JSON(clean[name])
        row["voided"] = int(clean["voided"])
        if not self.sender.is_hub:
            row["device_id"], row["facilitator_id"] = (
                self.sender.device_id,
                self.sender.facilitator_id,
            )
        row["received_at"] = self.received_at
        row["content_hash"] = digest
        row["relayed_by"] = self.sender.hub_id
        row["seq"] = self.seq
        row["conflict"] = 0
        return row

    def write(self, conn) -> None:
        """The kept revisions, the changed rows, the seq counter, the phone's last sync."""
        if self.kept:
            conn.executemany(
                f"INSERT OR IGNORE INTO session_log_revisions ({','.join(_REVISION_COLUMNS)}) "
                f"VALUES ({','.join('?' * len(_REVISION_COLUMNS))})",
                self.kept,
            )
        if self.changed:
            conn.executemany(
                # An upsert, not INSERT OR REPLACE: REPLACE deletes the old row without firing
                # delete triggers, and the report rollup's triggers must see the old row go.
                f"INSERT INTO session_logs ({','.join(_ROW_COLUMNS)}) "
                f"VALUES ({','.join('?' * len(_ROW_COLUMNS))}) ON CONFLICT (id) DO UPDATE SET "
                + ",".join(f"{name} = excluded.{name}" for name in _ROW_COLUMNS[1:]),
                [tuple(row[name] for name in _ROW_COLUMNS) for row in self.changed.values()],
            )
        conn.execute("UPDATE counters SET value = ? WHERE name = 'seq'", (self.seq,))
        if self.sender.device_id and not self.sender.is_hub:
            conn.execute(
                "UPDATE devices SET last_sync_at = ? WHERE id = ?",
                (self.received_at, self.sender.device_id),
            )


def _revision(row: Mapping[str, Any], when: str, reason: str) -> tuple:
    """A row kept in session_log_revisions: superseded, or a copy that lost (conflict, stale)."""
    return (*(row[name] for name in _ROW_COLUMNS), when, reason)
