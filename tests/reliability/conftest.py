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
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from tests.helpers import make_log as base_log
from tests.helpers import today  # noqa: F401  (used by the corpus)
from toolkit.db import connect, init_db
from toolkit.enrolment import Enrolled, create_facilitator, exchange_code, issue_code

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
        return enrol(db, create_facilitator(db, name, country)["id"]).token
    finally:
        db.conn.close()


def enrol(db, facilitator_id: str) -> Enrolled:
    """One more phone of hers, enrolled with a fresh code straight in the database."""
    code, _ = issue_code(db, facilitator_id)
    return exchange_code(db, code)


def kill_group(process: subprocess.Popen | None) -> None:
    """kill -9 of a process started in its own session and everything in its group; then reap it."""
    if process is not None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


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
        kill_group(self.process)
        self.process = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers=None, timeout: float = 60
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            try:
                connection.request(method, path, body=body, headers=headers or {})
            except (BrokenPipeError, ConnectionResetError):
                # The server may refuse a too-large body (413) and close before it has all been
                # sent, as browsers expect: its answer is still there to read.
                pass
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def fetch(
        self, method: str, path: str, body: bytes | None = None, headers=None, timeout: float = 60
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request on a new connection: (status, response headers, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def post_json(
        self, path: str, value, token: str | None = None, raw: bytes | None = None
    ) -> tuple[int, dict]:
        """POST a JSON value (or `raw` bytes) in English; (status, the JSON answer or {})."""
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = raw if raw is not None else json.dumps(value).encode()
        status, _, answer = self.fetch("POST", path, body, headers)
        try:
            return status, json.loads(answer)
        except ValueError:
            return status, {}

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


class Browser:
    """A coordinator's browser over http.client: keeps cookies (whatever their flags, since the test
    server speaks plain HTTP on 127.0.0.1) and reads the CSRF token of forms."""

    CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

    def __init__(self, server: Server):
        self.server = server
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = {"Accept-Language": "en", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, answer_headers, answer = self.server.fetch(method, path, body, headers)
        for cookie in answer_headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, answer_headers, answer.decode("utf-8", "replace")

    def csrf(self, path: str) -> str:
        _, _, page = self.request("GET", path)
        return self.CSRF.search(page).group(1)

    def post_form(self, path: str, fields: dict[str, str], files: dict | None = None):
        """POST a form as a browser does: urlencoded, or multipart when `files` {name: bytes}."""
        fields = {"csrf_token": self.csrf(path), **fields}
        if not files:
            body = urllib.parse.urlencode(fields).encode()
            kind = "application/x-www-form-urlencoded"
        else:
            boundary = "----toolkit-test-" + uuid.uuid4().hex
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + value.encode()
                + b"\r\n"
                for name, value in fields.items()
            ]
            parts += [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="unsent-logs.json"\r\nContent-Type: application/json\r\n\r\n'.encode()
                + data
                + b"\r\n"
                for name, data in files.items()
            ]
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            kind = f"multipart/form-data; boundary={boundary}"
        return self.request("POST", path, body, {"Content-Type": kind})

    def login(self, username: str, password: str) -> None:
        status, headers, _ = self.post_form(
            "/coordinator/login", {"username": username, "password": password}
        )
        assert status == 302, f"login failed: {status}"


# Tables that record attempts by design (sec-web's audit log, rate limits): a rejected input may
# add a line there, and that is not "storing" the input.
ATTEMPT_TABLES = re.compile(r"audit|limit|(^|_)sessions$", re.I)


def snapshot(database: str) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), but the attempt records: what "nothing changed" compares."""
    conn = sqlite3.connect(database)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if not ATTEMPT_TABLES.search(row[0])
        ]
        return {
            table: sorted(conn.execute(f"SELECT * FROM [{table}]").fetchall(), key=repr)
            for table in tables
        }
    finally:
        conn.close()


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
