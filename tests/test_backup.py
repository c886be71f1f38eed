"""`toolkit backup`, `toolkit restore`, `toolkit init-db --replica`, `toolkit status`, and health.

The backup under load runs against a real gunicorn (2 workers) with phones syncing through it;
the rest uses the CLI runner on temporary databases.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml

from toolkit.db import connect, init_db
from toolkit.replication import ReplicationError, replica_url

from .reliability.conftest import ROOT, Server, enrol_phone, integrity, make_log
from .reliability.test_restore_drill import Phone, phone_loop


def ids(database: str) -> set[str]:
    conn = sqlite3.connect(database)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM session_logs")}
    finally:
        conn.close()


def store_logs(app, count: int) -> list[dict]:
    """`count` logs from a new phone, through the app's own sync path."""
    token = enrol_phone(app.config["DATABASE"], name=f"Facilitator {uuid.uuid4().hex[:8]}")
    logs = [make_log() for _ in range(count)]
    response = app.test_client().post(
        "/api/v1/sync", json={"records": logs}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return logs


def test_backup_of_an_idle_database_is_checked_and_counted(make_app, tmp_path):
    database = str(tmp_path / "toolkit.sqlite")
    app = make_app(DATABASE=database)
    store_logs(app, 7)
    folder = tmp_path / "backups"
    folder.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(folder)])
    assert result.exit_code == 0, result.output
    (copy,) = folder.iterdir()
    assert re.fullmatch(r"toolkit-\d{8}T\d{6}Z\.sqlite", copy.name)
    assert "integrity_check ok" in result.output
    assert "session_logs 7" in result.output and "facilitators 1" in result.output
    assert ids(str(copy)) == ids(database)
    assert not list(folder.glob("*.partial"))
    assert copy.stat().st_mode & 0o077 == 0  # it holds every log: only its owner may read it
    # a single self-contained file: no -wal needed beside it
    assert sqlite3.connect(copy).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_backup_to_a_missing_folder_says_so(make_app, tmp_path):
    app = make_app(DATABASE=str(tmp_path / "toolkit.sqlite"))
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "no/such.sqlite")])
    assert result.exit_code == 1 and "does not exist: create it first" in result.output


def test_restore_from_a_backup_never_overwrites_and_check_leaves_the_live_file(make_app, tmp_path):
    database = str(tmp_path / "toolkit.sqlite")
    app = make_app(DATABASE=database)
    store_logs(app, 5)
    runner = app.test_cli_runner()
    backup = str(tmp_path / "copy.sqlite")
    assert runner.invoke(args=["backup", "--to", backup]).exit_code == 0
    store_logs(app, 2)  # the live file moves on after the backup
    before = Path(database).read_bytes(), os.stat(database).st_mtime_ns

    check = runner.invoke(args=["restore", "--from", backup, "--check"])
    assert check.exit_code == 0, check.output
    assert "Restore check passed: the live database was not touched." in check.output
    assert "session_logs 5" in check.output and "session_logs +2" in check.output
    assert (Path(database).read_bytes(), os.stat(database).st_mtime_ns) == before

    refused = runner.invoke(args=["restore", "--from", backup, "--to", database])
    assert refused.exit_code == 1 and "a restore never overwrites" in refused.output
    assert Path(database).read_bytes() == before[0]

    target = str(tmp_path / "restored.sqlite")
    done = runner.invoke(args=["restore", "--from", backup, "--to", target])
    assert done.exit_code == 0, done.output
    assert ids(target) == ids(backup) and integrity(target) == "ok"
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # as the server runs it
    conn.close()

    nothing = runner.invoke(args=["restore", "--from", str(tmp_path / "nope"), "--check"])
    assert nothing.exit_code == 1 and "Nothing to restore" in nothing.output


def test_init_db_with_a_replica_writes_litestreams_configuration(make_app, tmp_path):
    database = tmp_path / "toolkit.sqlite"
    app = make_app(DATABASE=str(database))
    app.instance_path = str(tmp_path)
    result = app.test_cli_runner().invoke(
        args=["init-db", "--replica", str(tmp_path / "second-disk")]
    )
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((tmp_path / "litestream.yml").read_text())
    (entry,) = written["dbs"]
    assert entry["path"] == str(database)
    assert entry["replica"] == {"url": (tmp_path / "second-disk").as_uri(), "sync-interval": "1s"}
    assert written["socket"]["enabled"] is True
    # the real program accepts it
    from toolkit.replication import litestream_binary

    listed = subprocess.run(
        [litestream_binary(), "databases", "-config", str(tmp_path / "litestream.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0 and str(database) in listed.stdout, listed.stderr


@pytest.mark.parametrize(
    "url",
    [
        "s3://key:secret@bucket/toolkit",
        "s3://bucket/toolkit?secret-access-key=x",
        "s3://bucket/toolkit?endpoint=https://s3.example.org&sseCustomerKey=x",
        "ftp://example.org/toolkit",
        "file://relative/path",
    ],
)
def test_replica_urls_with_credentials_or_unknown_schemes_are_refused(url):
    with pytest.raises(ReplicationError):
        replica_url(url)


def test_replica_url_forms():
    assert replica_url("/mnt/backup/toolkit") == "file:///mnt/backup/toolkit"
    s3 = "s3://toolkit-backups/central?endpoint=https://minio.example.org&region=us-east-1&sse-kms-key-id=k"
    assert replica_url(s3) == s3


def test_health_without_replication_and_with_a_stopped_litestream(make_app, tmp_path):
    database = tmp_path / "toolkit.sqlite"
    app = make_app(DATABASE=str(database))
    app.instance_path = str(tmp_path)
    body = app.test_client().get("/api/v1/health").get_json()
    assert body["ok"] is True and body["database"] == "ok"
    assert body["replication"]["state"] == "not configured"
    assert (
        app.test_cli_runner().invoke(args=["init-db", "--replica", str(tmp_path / "r")]).exit_code
        == 0
    )
    response = app.test_client().get("/api/v1/health")
    body = response.get_json()
    assert response.status_code == 200  # the database answers: phones can sync
    assert body["ok"] is False and body["replication"]["state"] == "not running"
    assert str(tmp_path) not in response.get_data(as_text=True)
    status = app.test_cli_runner().invoke(args=["status"])
    assert status.exit_code == 1 and "replica:" in status.output
    assert (tmp_path / "r").as_uri() in status.output and "not running" in status.output


def test_health_is_503_when_the_database_does_not_answer(make_app, tmp_path):
    app = make_app(DATABASE=str(tmp_path / "toolkit.sqlite"))
    app.config["DATABASE"] = str(tmp_path / "gone" / "toolkit.sqlite")
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"
    assert "gone" not in response.get_data(as_text=True)


def test_a_hubs_backup_says_how_many_logs_exist_only_there(make_app, tmp_path):
    database = str(tmp_path / "hub.sqlite")
    app = make_app(DATABASE=database)
    store_logs(app, 4)
    db = connect(database)
    try:  # central acknowledged the first two changes
        db.execute("INSERT INTO hub_peers (url, last_acked_seq) VALUES ('https://c.test', 2)")
    finally:
        db.conn.close()
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "b.sqlite")])
    assert result.exit_code == 0
    assert "2 log(s) exist only on this hub" in result.output


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backup-load")
    database = str(folder / "toolkit.sqlite")
    init_db(database)
    tokens = [enrol_phone(database, name=f"Phone {n}") for n in range(3)]
    server = Server(folder, database, workers=2).start()
    yield server, tokens, folder
    server.kill()


def test_backup_under_sync_load_is_a_consistent_prefix_of_acknowledged_records(busy_server):
    server, tokens, folder = busy_server
    phones = [Phone(server, token, seed) for seed, token in enumerate(tokens)]
    recording, stop = threading.Event(), threading.Event()
    recording.set()
    threads = [
        threading.Thread(target=phone_loop, args=(p, recording, stop), daemon=True) for p in phones
    ]
    for thread in threads:
        thread.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOOLKIT_")}
    env["TOOLKIT_INSTANCE"] = str(folder)
    copies = []
    try:
        for number in range(3):
            time.sleep(1.0)
            with_locks = [p.lock for p in phones]
            for lock in with_locks:
                lock.acquire()
            before = {i for p in phones for i in p.acknowledged}
            for lock in with_locks:
                lock.release()
            target = str(folder / f"copy-{number}.sqlite")
            done = subprocess.run(
                [str(Path(sys.executable).with_name("toolkit")), "backup", "--to", target],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert "integrity_check ok" in done.stdout
            copies.append((target, before, done.stdout))
    finally:
        recording.clear()
        deadline = time.monotonic() + 30
        while any(p.outbox for p in phones) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    live = sqlite3.connect(server.database)
    seq_of = dict(live.execute("SELECT id, seq FROM session_logs"))
    live.close()
    for target, before, output in copies:
        assert integrity(target) == "ok"
        held = ids(target)
        assert before <= held  # everything acknowledged before the backup began
        newest = max(seq_of[i] for i in held)
        prefix = {i for i, seq in seq_of.items() if seq <= newest}
        assert held == prefix  # whole batches, in commit order: no gap, no half batch
        assert f"session_logs {len(held)}" in output
    assert len(ids(copies[-1][0])) > len(copies[0][1]) > 0  # the load really ran meanwhile


def test_the_app_keeps_litestreams_requirements(tmp_path):
    """WAL on every connection, a busy timeout, and no VACUUM or WAL-resetting checkpoint anywhere
    in the app (docs/DEPLOY.md "What the app does for Litestream")."""
    db = connect(str(tmp_path / "t.sqlite"))
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000  # Litestream's is 1 s
    finally:
        db.conn.close()
    offending = []
    for source in (ROOT / "toolkit").rglob("*.py"):
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if re.search(r"""["'][^"']*\b(VACUUM|wal_checkpoint)\b""", code, re.I):
                offending.append(f"{source.relative_to(ROOT)}:{number}")
    assert offending == []
