"""An acknowledgement means durable (issue #19, class 12): the server fsyncs a sync batch's commit
before it answers, so a power cut after the answer cannot lose what the phone was told is stored.

With `PRAGMA synchronous = NORMAL` in WAL mode SQLite does not sync the WAL at commit (only at
checkpoints): the file stays consistent, but the last acknowledged batches can vanish with the power.
The test watches a real gunicorn worker's system calls with strace while it answers a sync request.
"""

from __future__ import annotations

import shutil
import subprocess
import time

from tests.helpers import children
from toolkit.db import connect

from .conftest import enrol_phone, make_log

STRACE = shutil.which("strace")


def test_every_connection_commits_with_synchronous_full(tmp_path):
    db = connect(str(tmp_path / "durable.sqlite"))
    try:
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        db.conn.close()


def test_a_sync_batch_is_fsynced_before_it_is_acknowledged(server):
    assert STRACE, "this test needs strace: `make test` installs it (apt-get install strace)"
    token = enrol_phone(server.database)
    server.start()
    assert server.sync(token, [make_log()])[0] == 200  # warm: connections open, WAL in use
    worker = children(server.process.pid)[0]
    log = server.directory / "strace.log"
    tracer = subprocess.Popen(
        [STRACE, "-f", "-y", "-e", "trace=fsync,fdatasync", "-o", str(log), "-p", str(worker)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = tracer.stderr.readline()  # "strace: Process N attached" once it watches
        assert "attached" in line, line
        time.sleep(0.2)
        status, answer = server.sync(token, [make_log() for _ in range(5)])
        assert status == 200 and {r["status"] for r in answer["results"]} == {"created"}
    finally:
        tracer.terminate()
        tracer.wait(timeout=10)
        tracer.stderr.close()
    synced = [line for line in log.read_text().splitlines() if "-wal>" in line]
    assert synced, "the WAL was not fsynced for an acknowledged batch (synchronous = NORMAL?)"
