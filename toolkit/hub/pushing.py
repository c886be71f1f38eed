"""One push from a field hub: what it sends, in which order, and what it records of the answers.

People first, then records refused by an earlier push, then every change after the last acknowledged
`seq`, in batches. Each acknowledged batch moves `hub_peers.last_acked_seq` on in one transaction
with its refusals (`hub_push_refused`), so an interrupted push resumes after the last acknowledged
batch.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ..db import immediate
from ..migrations import LOG_FIELDS
from ..sync.ingest import row_to_record
from ..sync.record import MAX_BATCH_BYTES, MAX_RECORDS, STATUSES, iso, utc_now
from ..version import APP_VERSION
from .central import MAX_PEOPLE
from .progress import pending_count
from .upstream import PEOPLE_PATH, REPORT_PATH, SYNC_PATH, PushError, Upstream

ACKNOWLEDGED = frozenset(STATUSES) - {"invalid"}
_COLUMNS = ("rev", "device_id", "facilitator_id", *LOG_FIELDS, "created_at", "updated_at", "seq")


def ensure_peer(db: sqlite_utils.Database, url: str) -> dict:
    """The hub_peers row of this upstream, made on first push."""
    db.execute("INSERT OR IGNORE INTO hub_peers (url, last_acked_seq) VALUES (?, 0)", [url])
    return next(db.query("SELECT * FROM hub_peers WHERE url = ?", [url]))


def _changes(
    db: sqlite_utils.Database, where: str, params: list, limit: int = -1
) -> Iterator[tuple[int, dict]]:
    """(seq, record with device and facilitator ids) of current rows and kept revisions."""
    columns = ", ".join(_COLUMNS)
    cursor = db.execute(
        f"SELECT id, {columns} FROM session_logs WHERE {where} UNION ALL "
        f"SELECT log_id AS id, {columns} FROM session_log_revisions WHERE {where} "
        "ORDER BY seq LIMIT ?",
        [*params, *params, limit],
    )
    names = [column[0] for column in cursor.description]
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        record = row_to_record(row)
        record["device_id"], record["facilitator_id"] = row["device_id"], row["facilitator_id"]
        yield row["seq"], record


def batches(
    changes: Iterable[tuple[int, dict]], size: int, max_bytes: int = MAX_BATCH_BYTES
) -> Iterator[list[tuple[int, dict]]]:
    """Changes in batches of at most `size` records and about `max_bytes` of JSON."""
    batch: list[tuple[int, dict]] = []
    total = 0
    for seq, record in changes:
        length = len(json.dumps(record, ensure_ascii=False).encode()) + 1
        if batch and (len(batch) >= size or total + length > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append((seq, record))
        total += length
    if batch:
        yield batch


def next_batch(db: sqlite_utils.Database, after: int, size: int) -> list[tuple[int, dict]]:
    """The next changes after `after`, in seq order: one batch, or [] when nothing is pending."""
    return next(batches(_changes(db, "seq > ?", [after], limit=size), size), [])


def hub_people(db: sqlite_utils.Database) -> tuple[list[dict], list[dict]]:
    """What central needs to know of this hub's people: never a token or a token's hash."""
    facilitators = list(
        db.query("SELECT id, name, country, created_at FROM facilitators ORDER BY created_at, id")
    )
    devices = list(
        db.query(
            "SELECT id, facilitator_id, created_at, revoked_at FROM devices ORDER BY created_at, id"
        )
    )
    return facilitators, devices


@dataclass
class PushReport:
    """What one push did."""

    url: str
    people: dict[str, Counter] = field(
        default_factory=lambda: {"facilitators": Counter(), "devices": Counter()}
    )
    statuses: Counter = field(default_factory=Counter)
    batches: int = 0
    refused: int = 0  # records central still refuses after this push
    pending: int = 0
    withdrawn: list[str] = field(default_factory=list)  # phones central withdrew, described

    def summary(self) -> str:
        people = ", ".join(
            f"{sum(counts.values())} {kind} ({counts['created']} new)"
            for kind, counts in self.people.items()
        )
        sent = sum(self.statuses.values())
        answers = ", ".join(f"{self.statuses[s]} {s}" for s in STATUSES if self.statuses[s])
        line = f"Pushed to {self.url}: {people}; {sent} records in {self.batches} batches"
        line += f" ({answers})." if answers else "."
        if self.withdrawn:
            line += (
                f"\nThe central server has withdrawn {len(self.withdrawn)} phone(s); this hub now "
                "refuses them too: " + "; ".join(self.withdrawn) + "."
            )
        return line


def _check_results(answer: Any, records: Sequence[dict], url: str) -> list[dict]:
    """Central's results, one per record in order, or PushError: then nothing is acknowledged."""
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list) or len(results) != len(records):
        raise PushError(f"{url} answered without one result per record: nothing counted as sent.")
    for record, result in zip(records, results, strict=True):
        if (
            not isinstance(result, dict)
            or result.get("status") not in STATUSES
            or str(result.get("id")).lower() != record["id"]
            or result.get("rev") != record["rev"]
        ):
            raise PushError(f"{url} answered with results that do not match the records sent.")
    return results


def _acknowledge(
    db: sqlite_utils.Database,
    url: str,
    batch: Sequence[tuple[int, dict]],
    results: Sequence[dict],
    advance: bool,
    now: str,
) -> None:
    """Record central's answers in one transaction: refusals kept, `last_acked_seq` moved on."""
    with immediate(db.conn) as conn:
        for (seq, record), result in zip(batch, results, strict=True):
            if result["status"] == "invalid":
                errors = result.get("errors") if isinstance(result.get("errors"), dict) else {}
                conn.execute(
                    "INSERT OR REPLACE INTO hub_push_refused "
                    "(url, seq, log_id, rev, errors, refused_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [url, seq, record["id"], record["rev"], json.dumps(errors), now],
                )
            else:
                conn.execute("DELETE FROM hub_push_refused WHERE url = ? AND seq = ?", [url, seq])
        if advance:
            conn.execute(
                "UPDATE hub_peers SET last_acked_seq = MAX(last_acked_seq, ?) WHERE url = ?",
                [batch[-1][0], url],
            )


def _send(
    db: sqlite_utils.Database,
    upstream: Upstream,
    batch: Sequence[tuple[int, dict]],
    report: PushReport,
    advance: bool,
) -> None:
    records = [record for _seq, record in batch]
    answer = upstream.post(SYNC_PATH, {"records": records, "app_version": APP_VERSION})
    results = _check_results(answer, records, upstream.url)
    _acknowledge(db, upstream.url, batch, results, advance, iso(utc_now()))
    report.statuses.update(result["status"] for result in results)
    report.batches += 1


def _push_people(db: sqlite_utils.Database, upstream: Upstream, report: PushReport) -> None:
    """Facilitators first, then devices (central needs a device's facilitator), in chunks.

    Always at least one request: it checks the token before any log is sent.
    """
    facilitators, devices = hub_people(db)
    chunks = [{"facilitators": [], "devices": []}]
    for kind, items in (("facilitators", facilitators), ("devices", devices)):
        for start in range(0, len(items), MAX_PEOPLE):
            chunks.append(
                {"facilitators": [], "devices": [], kind: items[start : start + MAX_PEOPLE]}
            )
    for chunk in chunks:
        answer = upstream.post(PEOPLE_PATH, chunk)
        for kind in ("facilitators", "devices"):
            counts = answer.get(kind) if isinstance(answer, dict) else None
            report.people[kind].update(counts if isinstance(counts, dict) else {})
        if isinstance(answer, dict):
            report.withdrawn += withdraw_here(db, answer.get("withdrawn"))


def push(
    db: sqlite_utils.Database,
    upstream: Upstream,
    batch_size: int = MAX_RECORDS,
) -> PushReport:
    """Push people, refused records again, then every change after the last acknowledged one.

    Raises PushError when the upstream cannot take them (recorded as the peer's last error); what was
    acknowledged before stays acknowledged, so the next push resumes from there.
    """
    url = upstream.url
    ensure_peer(db, url)
    report = PushReport(url)
    try:
        _push_people(db, upstream, report)
        refused = "seq IN (SELECT seq FROM hub_push_refused WHERE url = ?)"
        again = list(_changes(db, refused, [url]))
        db.execute(  # kept revisions that no longer exist: nothing is left to send
            f"DELETE FROM hub_push_refused WHERE url = ? AND seq NOT IN "
            f"({','.join('?' * len(again))})",
            [url, *(seq for seq, _ in again)],
        )
        for batch in batches(again, batch_size):
            _send(db, upstream, batch, report, advance=False)
        while True:
            after = db.execute(
                "SELECT last_acked_seq FROM hub_peers WHERE url = ?", [url]
            ).fetchone()[0]
            batch = next_batch(db, after, batch_size)
            if not batch:
                break
            _send(db, upstream, batch, report, advance=True)
    except PushError as failure:
        db.execute(
            "UPDATE hub_peers SET last_error = ?, last_error_at = ? WHERE url = ?",
            [str(failure), iso(utc_now()), url],
        )
        raise
    db.execute(
        "UPDATE hub_peers SET last_push_at = ?, last_error = NULL, last_error_at = NULL "
        "WHERE url = ?",
        [iso(utc_now()), url],
    )
    report.refused = db["hub_push_refused"].count_where("url = ?", [url])
    report_to_central(db, upstream, report)
    return report


def withdraw_here(db: sqlite_utils.Database, withdrawn: Any) -> list[str]:
    """Mark the phones central withdrew as withdrawn here too; describe each for the summary.

    A withdrawal on central wins: the phone is refused by this hub from now on, as on central.
    """
    described = []
    for item in withdrawn if isinstance(withdrawn, list) else []:
        if not (isinstance(item, dict) and isinstance(item.get("id"), str)):
            continue
        when = item.get("revoked_at") if isinstance(item.get("revoked_at"), str) else None
        changed = db.execute(
            "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [when or iso(utc_now()), item["id"]],
        ).rowcount
        row = db.execute(
            "SELECT f.name, d.created_at FROM devices d JOIN facilitators f "
            "ON f.id = d.facilitator_id WHERE d.id = ?",
            [item["id"]],
        ).fetchone()
        if changed and row:
            described.append(f"{row[0]}'s phone enrolled {row[1][:10]} (device {item['id'][:8]})")
    return described


def report_to_central(db: sqlite_utils.Database, upstream: Upstream, report: PushReport) -> None:
    """Tell central what this hub still holds back, for its `toolkit hubs` list.

    Everything was acknowledged already: a failure here (an older central without the report
    address) changes nothing and is not an error of the push.
    """
    row = db.execute(
        "SELECT last_acked_seq FROM hub_peers WHERE url = ?", [upstream.url]
    ).fetchone()
    report.pending = pending_count(db, row[0] if row else 0)
    try:
        upstream.post(REPORT_PATH, {"pending": report.pending, "refused": report.refused})
    except PushError:
        pass
