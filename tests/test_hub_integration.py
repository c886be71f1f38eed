"""Field hub → central over real HTTP: two server processes on 127.0.0.1, each with its own SQLite file.

Phones sync into the hub (with edits), `toolkit sync push` (a real process) pushes to central in small
batches, central is SIGKILLed while it holds an unanswered batch it has already committed, restarts on
the same database and port, and a second push finishes: central's logs equal the hub's, exactly once,
with the revisions kept and the hub recorded as relayer.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import make_log
from toolkit.db import connect, init_db
from toolkit.enrolment import create_facilitator, issue_code
from toolkit.hub.registry import create_hub

ROOT = Path(__file__).resolve().parent.parent
TOOLKIT = [sys.executable, "-c", "import sys; from toolkit.cli import cli; sys.exit(cli())"]
FAULTY_SERVER = [sys.executable, "-m", "flask", "--app", "tests.faults:create_app", "run"]
BATCH = 4
SAME = (
    "id, rev, device_id, facilitator_id, content_hash, guide, lang, held_on, minutes, district, "
    "venue_type, participants, returnees, steps_done, themes, requested, referrals, market_info, "
    "notes, voided, created_at, updated_at, conflict"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Site:
    """One toolkit server: its database, its instance folder, its port, its process."""

    def __init__(self, tmp_path: Path, name: str):
        self.name = name
        self.database = str(tmp_path / f"{name}.sqlite")
        self.instance = tmp_path / f"instance-{name}"
        self.instance.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = tmp_path / f"{name}.log"
        init_db(self.database)

    def env(self, **config) -> dict:
        """The toolkit reads TOOLKIT_* variables as config (JSON values parsed)."""
        env = {**os.environ, "TOOLKIT_INSTANCE": str(self.instance)}
        env.update(TOOLKIT_DATABASE=self.database, TOOLKIT_SECRET_KEY="test")
        env.update({f"TOOLKIT_{key}": json.dumps(value) for key, value in config.items()})
        return env

    def start(self, faults: list[str] | None = None) -> None:
        """`flask run` of the toolkit wrapped in the test-only fault middleware (tests/faults.py)."""
        env = self.env(TESTING=True)
        env["TEST_SYNC_FAULTS"] = json.dumps(faults or [])
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*FAULTY_SERVER, "--host", "127.0.0.1", "--port", str(self.port), "--no-reload"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"{self.name} server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as when the machine or the process dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def rows(self, sql: str, params=()) -> list[dict]:
        db = connect(self.database)
        try:
            return [dict(row) for row in db.query(sql, list(params))]
        finally:
            db.conn.close()

    def post(self, path: str, body: dict, token: str | None = None) -> dict:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {token}"} if token else {}),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())


@pytest.fixture
def sites(tmp_path):
    hub, central = Site(tmp_path, "hub"), Site(tmp_path, "central")
    pushes: list[subprocess.Popen] = []
    yield hub, central, pushes
    for process in pushes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    hub.kill()
    central.kill()


def enrol_phone(hub: Site, facilitator_id: str) -> dict:
    """A phone enrolled on the hub over HTTP, as the enrol page does it."""
    db = connect(hub.database)
    try:
        code, _ = issue_code(db, facilitator_id)
    finally:
        db.conn.close()
    return hub.post("/api/v1/enrol", {"code": code})


def phone_sync(hub: Site, phone: dict, *records) -> list[str]:
    answer = hub.post("/api/v1/sync", {"records": list(records)}, phone["token"])
    return [result["status"] for result in answer["results"]]


def start_push(hub: Site, central: Site, token_file: Path, pushes: list) -> subprocess.Popen:
    """`toolkit sync push` on the hub, as the systemd unit runs it (without --every)."""
    process = subprocess.Popen(
        [*TOOLKIT, "sync", "push", "--to", central.url, "--token-file", str(token_file)]
        + ["--batch", str(BATCH), "--timeout", "20"],
        cwd=ROOT,
        env=hub.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    pushes.append(process)
    return process


def wait_until(condition, seconds: float = 20, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def assert_same_logs(hub: Site, central: Site, hub_id: str) -> None:
    mine = hub.rows(f"SELECT {SAME} FROM session_logs ORDER BY id")
    theirs = central.rows(f"SELECT {SAME} FROM session_logs ORDER BY id")
    assert theirs == mine  # same ids, revs, hashes, original device and facilitator ids: once
    kept = "SELECT log_id, rev, content_hash, reason FROM session_log_revisions ORDER BY 1, 2, 3"
    assert central.rows(kept) == hub.rows(kept)
    relayed = central.rows("SELECT DISTINCT relayed_by FROM session_logs")
    assert relayed == [{"relayed_by": hub_id}]


def test_push_survives_central_being_killed_mid_push(sites, tmp_path):
    hub, central, pushes = sites
    db = connect(hub.database)
    sita = create_facilitator(db, "Sita Tamang", "NP")
    nasreen = create_facilitator(db, "Nasreen Akhtar", "PK")
    db.conn.close()
    hub.start()
    # Central commits the second batch, then waits 30 s before answering: it is killed meanwhile.
    central.start(faults=["none", "slow:30"])

    phones = [enrol_phone(hub, sita["id"]), enrol_phone(hub, sita["id"])]
    phones.append(enrol_phone(hub, nasreen["id"]))
    logs = {}
    for number, phone in enumerate(phones):
        urdu = number == 2
        mine = [
            make_log(lang="ur", district="Lahore") if urdu else make_log(participants=10 + i)
            for i in range(4)
        ]
        assert phone_sync(hub, phone, *mine) == ["created"] * 4
        logs[number] = mine
    first = logs[0][0]
    assert phone_sync(hub, phones[0], {**first, "rev": 2, "participants": 16}) == ["updated"]
    assert phone_sync(hub, phones[0], {**first, "rev": 3, "notes": "rain"}) == ["updated"]
    assert phone_sync(hub, phones[2], {**logs[2][1], "rev": 2, "voided": True}) == ["updated"]
    assert phone_sync(hub, phones[1], {**logs[1][2], "participants": 30}) == ["conflict"]
    changes = len(hub.rows("SELECT id FROM session_logs")) + len(
        hub.rows("SELECT log_id FROM session_log_revisions")
    )
    assert changes == 12 + 3 + 1

    central_db = connect(central.database)
    hub_row, token = create_hub(central_db, "Sindhupalchok centre")
    central_db.conn.close()
    token_file = tmp_path / "hub-token"
    token_file.write_text(token + "\n")

    # First push: batch 1 acknowledged, batch 2 committed on central, then central dies.
    pushing = start_push(hub, central, token_file, pushes)
    counter = "SELECT value FROM counters WHERE name = 'seq'"
    wait_until(lambda: central.rows(counter)[0]["value"] >= 2 * BATCH, what="batch 2 on central")
    central.kill()
    output, _ = pushing.communicate(timeout=30)
    assert pushing.returncode == 1, output
    assert "dropped before it answered" in output and token not in output
    (peer,) = hub.rows("SELECT * FROM hub_peers")
    acked = sorted(
        row["seq"]
        for row in hub.rows(
            "SELECT seq FROM session_logs UNION ALL SELECT seq FROM session_log_revisions"
        )
    )
    assert peer["last_acked_seq"] == acked[BATCH - 1]  # only batch 1 counts as sent
    assert len(central.rows("SELECT id FROM session_logs")) < len(logs) * 4
    status = subprocess.run(
        [*TOOLKIT, "sync", "status"], cwd=ROOT, env=hub.env(), capture_output=True, text=True
    )
    assert f"pending:    {changes - BATCH}" in status.stdout and "dropped" in status.stdout

    # Central restarts on the same database and port; the push resumes after batch 1.
    central.start()
    pushing = start_push(hub, central, token_file, pushes)
    output, _ = pushing.communicate(timeout=60)
    assert pushing.returncode == 0, output
    assert "nothing pending" in output
    assert "unchanged" in output  # batch 2 was sent again, and not stored twice
    assert_same_logs(hub, central, hub_row["id"])
    facilitators = "SELECT id, name, country FROM facilitators ORDER BY id"
    assert central.rows(facilitators) == hub.rows(facilitators)
    assert len(central.rows("SELECT id FROM devices")) == 3
    kept = central.rows(
        "SELECT rev FROM session_log_revisions WHERE log_id = ? AND reason = 'superseded' ORDER BY rev",
        [first["id"]],
    )
    assert kept == [{"rev": 1}, {"rev": 2}]

    # An edit on the hub after the push travels as a new rev on the next push.
    assert phone_sync(hub, phones[0], {**first, "rev": 4, "minutes": 70}) == ["updated"]
    pushing = start_push(hub, central, token_file, pushes)
    output, _ = pushing.communicate(timeout=60)
    assert pushing.returncode == 0, output
    assert "1 records in 1 batches (1 updated)" in output
    assert_same_logs(hub, central, hub_row["id"])
