"""The restore drill: the central server's machine is lost while phones sync, and comes back.

Real processes throughout: gunicorn (2 workers, production settings) and Litestream replicating to a
file replica in a temporary folder, as `toolkit init-db --replica` and `toolkit replicate` set it up.
Phones are HTTP clients that keep every record until the server acknowledged it, and retry.

The loss: SIGKILL of Litestream and gunicorn, then the database, its -wal and -shm and Litestream's
local state are deleted (the disk is gone). Recovery: `toolkit restore --from REPLICA --to DATABASE`
(the real command), then gunicorn and Litestream start again. The promise checked:
- every record acknowledged more than the replica's sync interval before the loss is restored, once;
- the phones' retries then store every record that was never acknowledged, once;
- a record acknowledged within the last sync interval may be lost: that is the recovery point,
  measured and printed with the recovery time (docs/DEPLOY.md "Backups and recovery" quotes them).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from toolkit.backup import restore
from toolkit.db import init_db
from toolkit.replication import read_config, replica_state, write_config

from .conftest import ROOT, Server, enrol_phone, integrity, kill_group, make_log

# seconds: the replica's sync-interval, as `toolkit init-db --replica` writes it
SYNC_INTERVAL = 1.0
PHONES = 4
LOAD_SECONDS = 6.0
BATCH = 20
# Litestream's goroutines and ours share 2 busy cores: a commit can wait a moment more than the
# interval before it is uploaded. The figures printed are measured; only this slack is allowed.
SCHEDULING_SLACK = 0.5


def toolkit(*args: str) -> list[str]:
    """The `toolkit` command line as the operator types it."""
    return [str(Path(sys.executable).with_name("toolkit")), *args]


def instance_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOOLKIT_")}
    env["TOOLKIT_INSTANCE"] = str(instance)  # its config.py names the database (Server.start)
    return env


class Litestream:
    """`toolkit replicate` (which becomes `litestream replicate`), in its own process group."""

    def __init__(self, instance: Path, config: str, log: Path):
        self.instance, self.config, self.log = instance, config, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Litestream:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                toolkit("replicate"),
                cwd=ROOT,
                env=instance_env(self.instance),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        settings = read_config(self.config)
        deadline = time.monotonic() + 30
        while replica_state(settings).state != "replicating":
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "Litestream did not start replicating"
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        kill_group(self.process)
        self.process = None


class Phone:
    """A phone's outbox: records leave it only when the server answered for them."""

    def __init__(self, server: Server, token: str, seed: int):
        self.server, self.token = server, token
        self.rng = random.Random(seed)
        self.outbox: list[dict] = []
        self.acknowledged: dict[str, float] = {}  # record id -> when the answer arrived
        self.statuses: Counter = Counter()
        self.created = 0
        self.lock = threading.Lock()

    def record(self) -> None:
        with self.lock:
            self.outbox.append(make_log(participants=self.rng.randint(3, 40)))
            self.created += 1

    def send_once(self) -> bool:
        """Send up to BATCH records from the outbox; True when the server answered."""
        with self.lock:
            batch = list(self.outbox[:BATCH])
        if not batch:
            return True
        try:
            status, answer = self.server.sync(self.token, batch, timeout=10)
        except (OSError, ValueError, http.client.HTTPException):
            return False  # refused, reset, or cut off mid-answer: keep everything, retry
        if status != 200:
            return False
        answered = time.monotonic()
        assert [r["id"] for r in answer["results"]] == [r["id"] for r in batch]
        with self.lock:
            for result in answer["results"]:
                assert result["status"] in ("created", "unchanged"), result
                self.statuses[result["status"]] += 1
                self.acknowledged.setdefault(result["id"], answered)
            done = {r["id"] for r in batch}
            self.outbox = [r for r in self.outbox if r["id"] not in done]
        return True


def phone_loop(phone: Phone, recording: threading.Event, stop: threading.Event) -> None:
    while not stop.is_set():
        if recording.is_set() and phone.rng.random() < 0.7:
            phone.record()
        if not phone.send_once():
            time.sleep(0.05)
        else:
            time.sleep(phone.rng.uniform(0.005, 0.03))


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def counts_by_id(database: str) -> Counter:
    conn = sqlite3.connect(database)
    try:
        return Counter(row[0] for row in conn.execute("SELECT id FROM session_logs"))
    finally:
        conn.close()


def test_restore_drill_loses_nothing_older_than_the_sync_interval(tmp_path):
    database = str(tmp_path / "toolkit.sqlite")
    replica = tmp_path / "replica"  # "the second disk"
    init_db(database)
    tokens = [enrol_phone(database, name=f"Phone {n}") for n in range(PHONES)]
    config = str(tmp_path / "litestream.yml")  # where the app looks: instance/litestream.yml

    server = Server(tmp_path, database, workers=2)
    litestream = Litestream(tmp_path, config, tmp_path / "litestream.log")
    phones = [Phone(server, token, seed) for seed, token in enumerate(tokens)]
    recording, stop = threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=phone_loop, args=(p, recording, stop), daemon=True) for p in phones
    ]
    try:
        server.start()  # writes instance/config.py, which names the database
        # what `toolkit init-db --replica DIR` writes (tests/test_backup.py runs that command)
        write_config(config, database, str(replica))
        assert f"sync-interval: {SYNC_INTERVAL:g}s" in Path(config).read_text()
        litestream.start()
        recording.set()
        for thread in threads:
            thread.start()
        time.sleep(LOAD_SECONDS / 2)
        status, body = server.request("GET", "/api/v1/health")
        health = json.loads(body)
        assert status == 200 and health["database"] == "ok", health
        assert health["replication"]["state"] == "replicating", health
        assert health["replication"]["lag_seconds"] < 5 * SYNC_INTERVAL, health
        assert str(tmp_path) not in body.decode()  # no path in a public answer
        time.sleep(LOAD_SECONDS / 2)

        # --- the machine is lost ---------------------------------------------------------------
        loss = time.monotonic()  # the facilitators go on writing logs during the outage
        litestream.kill()
        server.kill()
        for path in (database, f"{database}-wal", f"{database}-shm"):
            if os.path.exists(path):
                os.remove(path)
        shutil.rmtree(tmp_path / ".toolkit.sqlite-litestream", ignore_errors=True)
        with_locks = [p.lock for p in phones]
        for lock in with_locks:
            lock.acquire()
        acknowledged = {i: t for p in phones for i, t in p.acknowledged.items()}
        unacknowledged = {r["id"] for p in phones for r in p.outbox}
        for lock in with_locks:
            lock.release()

        # --- recovery: the documented commands ------------------------------------------------
        restored_at = time.monotonic()
        done = subprocess.run(
            toolkit("restore", "--from", "replica", "--to", database),
            cwd=ROOT, env=instance_env(tmp_path), capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
        restore_seconds = time.monotonic() - restored_at
        assert done.returncode == 0, done.stderr + done.stdout
        assert "integrity_check ok" in done.stdout
        assert integrity(database) == "ok"
        restored = counts_by_id(database)

        server.start()
        litestream.start()
        recovery_seconds = time.monotonic() - loss
        time.sleep(0.5)
        recording.clear()  # then the facilitators stop, and the phones empty their outboxes

        # --- what the restore holds -----------------------------------------------------------
        assert max(restored.values(), default=1) == 1
        safe = {i for i, t in acknowledged.items() if t < loss - SYNC_INTERVAL - SCHEDULING_SLACK}
        missing = safe - set(restored)
        assert not missing, f"{len(missing)} records acknowledged before the sync interval lost"
        lost = {i: loss - t for i, t in acknowledged.items() if i not in restored}
        restored_acknowledged = len(set(acknowledged) & set(restored))

        # --- the phones' retries fill the rest ------------------------------------------------
        wait_until(
            lambda: all(not p.outbox for p in phones), 60, "the phones did not empty their outboxes"
        )
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        final = counts_by_id(database)
        sent = {i for p in phones for i in p.acknowledged}
        assert max(final.values()) == 1  # each record exactly once
        assert set(final) == sent - set(lost)  # everything but the lost window is stored
        assert sum(p.created for p in phones) == len(sent)  # every record was acknowledged

        # replication goes on after the recovery: the replica now holds the refilled logs too
        def replica_caught_up() -> bool:
            state = replica_state(read_config(config))
            return state.state == "replicating" and state.lag_seconds < SYNC_INTERVAL

        time.sleep(SYNC_INTERVAL * 2)
        wait_until(replica_caught_up, 30, "the replica did not catch up after the recovery")
        proof = restore(replica.as_uri(), None, check=True)  # what `restore --check` runs
        assert proof.integrity == "ok" and proof.counts["session_logs"] == len(final)
        refilled = len(set(final) - set(restored))
        assert unacknowledged <= set(final)  # what the phones still held at the loss is stored
        during_outage = sum(p.created for p in phones) - len(acknowledged) - len(unacknowledged)
        assert integrity(database) == "ok"

        figures = {
            "acknowledged before the loss": len(acknowledged),
            "unacknowledged in outboxes at the loss": len(unacknowledged),
            "written during the outage": during_outage,
            "acknowledged and restored": restored_acknowledged,
            "restored though never acknowledged (answer lost)": len(set(restored) - set(acknowledged)),
            "acknowledged but lost (inside the recovery point)": len(lost),
            "refilled by the phones' retries": refilled,
            "recovery point (s): oldest lost acknowledgement": round(max(lost.values(), default=0), 2),
            "restore command (s)": round(restore_seconds, 2),
            "recovery time (s): loss to serving with replication": round(recovery_seconds, 2),
        }  # fmt: skip
        print("restore drill:", json.dumps(figures, indent=1))
    finally:
        stop.set()
        litestream.kill()
        server.kill()
