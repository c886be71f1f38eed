"""Reliability suite helpers: a real gunicorn on a temporary SQLite file, phones, valid records.

The server runs as `docs/DEPLOY.md` and `make run` run it (gunicorn with the repository's
gunicorn.conf.py: gthread workers, its timeouts and limits), in its own process group so a test can
`kill -9` all of it; settings go into a temporary instance/config.py, never into the developer's
instance folder. Test-only faults (tests/faults.py) wrap the app from outside the product.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_sync import make_log as base_log
from tests.test_sync import today  # noqa: F401  (used by the corpus)
from toolkit.db import connect, init_db
from toolkit.enrolment import create_facilitator, exchange_code, issue_code

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


def make_log(**changes) -> dict:
    """A valid record as the phone sends it, with Nepali free text (the size real logs have)."""
    nepali = {
        "content_version": "bench",
        "steps_done": ["welcome", "feedback"],
        "market_info": "एजेन्टले मलेसियाका लागि १ लाख ६० हजार मागेको सुनियो।",
        "notes": "पानी परेकाले सत्र ढिलो सुरु भयो।",
    }
    return base_log(**{**nepali, **changes})


def enrol_phone(database: str, name: str = "Sita Tamang", country: str = "NP") -> str:
    """A facilitator with one enrolled phone, straight in the database: the device token."""
    db = connect(database)
    try:
        facilitator = create_facilitator(db, name, country)
        code, _ = issue_code(db, facilitator["id"])
        return exchange_code(db, code).token
    finally:
        db.conn.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving the toolkit on 127.0.0.1:`port`; start() again after kill() on the same port."""

    def __init__(self, directory: Path, database: str, workers: int = 1):
        self.directory = directory
        self.database = database
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self, faults: list[str] | None = None, **config) -> Server:
        """Start gunicorn; `faults` (tests/faults.py) wraps the app in the test-only middleware."""
        settings = {"SECRET_KEY": "test", "DATABASE": self.database, **config}
        (self.directory / "config.py").write_text(
            "".join(f"{name} = {value!r}\n" for name, value in settings.items()), encoding="utf-8"
        )
        env = {key: value for key, value in os.environ.items() if not key.startswith("TOOLKIT_")}
        env["TOOLKIT_INSTANCE"] = str(self.directory)
        env.pop("GUNICORN_CMD_ARGS", None)
        if faults is not None:
            env["TEST_SYNC_FAULTS"] = json.dumps(faults)
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--log-level",
                "critical",  # a killed worker and dropped answers are what these tests do
                "tests.faults:create_app()" if faults is not None else "toolkit:create_app()",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                status, _ = self.request("GET", "/api/v1/health", timeout=2)
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s")

    def kill(self) -> None:
        """kill -9 of the master and its workers, as a power cut or the OOM killer would."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
            self.process = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers=None, timeout: float = 60
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def sync(self, token: str, records: list[dict], timeout: float = 60) -> tuple[int, dict]:
        body = json.dumps({"records": records, "app_version": "0.1.0"}, ensure_ascii=False)
        status, answer = self.request(
            "POST",
            "/api/v1/sync",
            body.encode(),
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=timeout,
        )
        return status, json.loads(answer)


def integrity(database: str) -> str:
    """PRAGMA integrity_check of the file as a fresh process would open it (WAL recovered)."""
    conn = sqlite3.connect(database)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def stored_ids(database: str) -> list[str]:
    conn = sqlite3.connect(database)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM session_logs")]
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path):
    database = str(tmp_path / "reliability.sqlite")
    init_db(database)
    server = Server(tmp_path, database)
    yield server
    server.kill()
