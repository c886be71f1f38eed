"""Backups and restores of the toolkit's SQLite file, on the central server and on a field hub.

`backup` copies the live database with SQLite's online backup API in ONE step: the copy is one read
transaction's snapshot, so it holds exactly the batches committed before it began (every sync batch
is one transaction: all of a batch or none of it), while the server keeps taking new ones (WAL:
readers never block the writer). The copy is written beside the target, checked with
`PRAGMA integrity_check`, synced to disk, and only then renamed into place.

`restore` brings a backup file or a Litestream replica back into a NEW file (never over an existing
one), checks it the same way, and reports what it holds. `check=True` does all of that in a
temporary folder and deletes it: it proves a restore works without touching the live file.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from .replication import ReplicationError, litestream_binary, replica_url

# The tables whose counts prove a backup holds what it should, in the order they are printed.
COUNTED = (
    "session_logs",
    "session_log_revisions",
    "facilitators",
    "devices",
    "coordinators",
    "hubs",
    "hub_peers",
    "hub_push_refused",
)
RESTORE_TIMEOUT = 600


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why and what to do."""


@dataclass
class Copy:
    """A checked copy of the database: where, what it holds, how long it took."""

    path: str
    counts: dict[str, int] = field(default_factory=dict)
    integrity: str = "ok"
    seconds: float = 0.0
    bytes: int = 0
    only_here: int | None = None  # on a field hub: logs no central server has acknowledged

    def lines(self) -> list[str]:
        shown = ", ".join(f"{table} {count}" for table, count in self.counts.items())
        lines = [
            f"{self.path}: integrity_check {self.integrity}; {self.bytes / 1e6:.1f} MB "
            f"in {self.seconds:.2f} s",
            f"rows: {shown}",
        ]
        if self.only_here:
            lines.append(
                f"{self.only_here} log(s) exist only on this hub (not yet acknowledged upstream): "
                "this copy is their only other home."
            )
        return lines


def _reader(path: str, timeout: float = 5) -> sqlite3.Connection:
    """A connection that only reads. Not `mode=ro`: that cannot open a WAL file whose -shm is
    missing, and the live database's -wal must be read to see the latest commits."""
    conn = sqlite3.connect(path, timeout=timeout)
    conn.execute("PRAGMA query_only = 1")
    return conn


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of COUNTED that the database has."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in COUNTED
        if table in tables
    }


def integrity(conn: sqlite3.Connection) -> str:
    return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))


def check_copy(path: str) -> Copy:
    """Open a copy read-only and report its integrity and row counts."""
    conn = _reader(path)
    try:
        copy = Copy(path, row_counts(conn), integrity(conn), bytes=os.path.getsize(path))
        from .hub.progress import only_on_hub  # a hub's copy says what exists nowhere else

        copy.only_here = only_on_hub(conn)
        return copy
    finally:
        conn.close()


def _private_file(path: str) -> None:
    """An empty file only its owner can read: a copy holds every log, like the database."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_target(target: str, now: dt.datetime | None = None) -> str:
    """A folder gets a file named by the time: toolkit-20261201T230000Z.sqlite."""
    if os.path.isdir(target):
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
        return os.path.join(target, f"toolkit-{stamp}.sqlite")
    return target


def backup(database: str, target: str) -> Copy:
    """A consistent, checked copy of the live database at `target` (replaced if it exists)."""
    if not os.path.exists(database):
        raise BackupError(
            f"There is no database at {database}: check DATABASE in instance/config.py."
        )
    target = backup_target(target)
    if os.path.realpath(target) == os.path.realpath(database):
        raise BackupError("The backup must go to another file than the database itself.")
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise BackupError(f"The folder {folder} does not exist: create it first.")
    partial = f"{target}.partial"
    started = time.monotonic()
    source = _reader(database, timeout=30)
    try:
        if os.path.exists(partial):
            os.remove(partial)
        _private_file(partial)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=-1)  # one step: one snapshot, never a mix of two moments
            copy.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        finally:
            copy.close()
    except sqlite3.Error as failure:
        if os.path.exists(partial):
            os.remove(partial)
        raise BackupError(f"The backup failed: {type(failure).__name__}: {failure}.") from None
    finally:
        source.close()
    checked = check_copy(partial)
    if checked.integrity != "ok":
        os.remove(partial)
        raise BackupError(
            f"The copy failed integrity_check ({checked.integrity}): nothing was kept."
        )
    _fsync(partial)
    os.replace(partial, target)
    checked.path, checked.seconds = target, time.monotonic() - started
    return checked


def _source_kind(source: str) -> str:
    """'file' for an SQLite backup file, 'replica' for a Litestream replica (folder or URL)."""
    if os.path.isfile(source):
        with open(source, "rb") as handle:
            if handle.read(16) == b"SQLite format 3\x00":
                return "file"
        raise BackupError(f"{source} is not an SQLite database or a Litestream replica.")
    if os.path.isdir(source) or "://" in source:
        return "replica"
    raise BackupError(
        f"Nothing to restore at {source}: give a backup file, a replica folder or a replica URL."
    )


def _restore_into(source: str, output: str, timestamp: str | None) -> None:
    """Write the restored database to `output` (which must not exist)."""
    if _source_kind(source) == "file":
        if timestamp:
            raise BackupError("--timestamp needs a Litestream replica, not a backup file.")
        src = _reader(source)
        try:
            _private_file(output)
            dest = sqlite3.connect(output)
            try:
                src.backup(dest, pages=-1)
                dest.execute("PRAGMA journal_mode = WAL")  # as the server runs it
            finally:
                dest.close()
        finally:
            src.close()
        return
    try:
        url = replica_url(source)
        command = [litestream_binary(), "restore", "-o", output]
    except ReplicationError as problem:
        raise BackupError(str(problem)) from None
    if timestamp:
        command += ["-timestamp", timestamp]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=RESTORE_TIMEOUT, check=False
    )
    if done.returncode != 0 or not os.path.exists(output):
        said = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(
            f"Litestream could not restore from {source}: {said[-1] if said else 'no output'}."
        )
    os.chmod(output, 0o600)


def restore(
    source: str, target: str | None, check: bool = False, timestamp: str | None = None
) -> Copy:
    """Restore a backup file or a replica into `target` (a new file), or with `check` into a
    temporary file that is deleted afterwards. The live database is never opened for writing."""
    if check:
        with tempfile.TemporaryDirectory(prefix="toolkit-restore-check-") as folder:
            output = os.path.join(folder, "restored.sqlite")
            started = time.monotonic()
            _restore_into(source, output, timestamp)
            copy = check_copy(output)
            copy.seconds = time.monotonic() - started
            copy.path = f"{source} (checked in a temporary file, now deleted)"
            return copy
    if not target:
        raise BackupError("Give --to PATH (a new file), or --check to only prove the restore.")
    for path in (target, f"{target}-wal", f"{target}-shm"):
        if os.path.exists(path):
            raise BackupError(
                f"{path} exists: a restore never overwrites. Stop the server and move the old "
                "file and its -wal and -shm away first (keep them until the restore is checked)."
            )
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise BackupError(f"The folder {folder} does not exist: create it first.")
    partial = os.path.join(folder, f".{os.path.basename(target)}.restoring")
    for path in (partial, f"{partial}-wal", f"{partial}-shm"):
        if os.path.exists(path):
            os.remove(path)
    started = time.monotonic()
    try:
        _restore_into(source, partial, timestamp)
        copy = check_copy(partial)
        if copy.integrity != "ok":
            raise BackupError(f"The restored file failed integrity_check ({copy.integrity}).")
        _fsync(partial)
        os.replace(partial, target)
    finally:
        for path in (partial, f"{partial}-wal", f"{partial}-shm"):
            if os.path.exists(path):
                os.remove(path)
    copy.path, copy.seconds = target, time.monotonic() - started
    return copy


def live_counts(database: str) -> dict[str, int] | None:
    """Row counts of the live database, read-only (None if it is missing or unreadable)."""
    if not os.path.exists(database):
        return None
    try:
        conn = _reader(database, timeout=5)
        try:
            return row_counts(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return None
