"""Security suite: the toolkit as deployed (gunicorn, 2 workers, production settings), tried as an attacker.

The servers come from the reliability starter (tests/reliability/conftest.py). Two run for the whole
folder:
- `production`: behind one trusted proxy (TRUSTED_PROXIES = 1, as docs/DEPLOY.md configures it), with
  BASE_URL and the shipped limits. Every `Browser` sends its own X-Forwarded-For address, so each test
  has its own rate-limit counters on the one server.
- `bare`: nothing configured but the database: no SECRET_KEY, no proxy, no BASE_URL (`make run`).

`Browser` keeps cookies and reads headers, which the starter's `request` does not return.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.conftest import ROOT, Server
from toolkit.coordinator import create_coordinator
from toolkit.db import connect, init_db

PASSWORD = "correct horse battery"
BASE_URL = "https://toolkit.example.org"
LOGIN_LIMIT = 10  # the shipped LOGIN_RATE_LIMIT, "10 per 5 minutes"
ENROL_LIMIT = 20  # the shipped ENROL_RATE_LIMIT, "20 per 10 minutes"
_addresses = itertools.count(1)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class Browser:
    """One client: a cookie jar, its own client address (X-Forwarded-For), plain HTTP to gunicorn."""

    def __init__(self, server: Server, address: str | None = None):
        self.server = server
        self.address = address or f"198.51.100.{next(_addresses)}"
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
        body: bytes | None = None,
        cookies: dict | None = None,
    ) -> Answer:
        sent = {"X-Forwarded-For": self.address, **(headers or {})}
        jar = self.cookies if cookies is None else cookies
        if jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        if cookies is None:
            with self._lock:
                for line in answer.headers.get_all("Set-Cookie") or []:
                    name, _, rest = line.partition("=")
                    value = rest.split(";", 1)[0]
                    if value and "max-age=0" not in line.lower():
                        self.cookies[name] = value
                    else:
                        self.cookies.pop(name, None)
        return answer

    def csrf_token(self, path: str = "/coordinator/login") -> str:
        return csrf_from(self.request("GET", path).text)

    def post(self, path: str, form: dict, token_from: str | None = None, **kwargs) -> Answer:
        """A form POST with the CSRF token of the page the form is on."""
        token = self.csrf_token(token_from or path)
        return self.request("POST", path, form={"csrf_token": token, **form}, **kwargs)

    def login(
        self, username: str, password: str = PASSWORD, next_path: str | None = None
    ) -> Answer:
        path = "/coordinator/login" + (
            f"?next={urllib.parse.quote(next_path, safe='')}" if next_path is not None else ""
        )
        return self.post(path, {"username": username, "password": password}, "/coordinator/login")

    def logout(self) -> Answer:
        return self.post("/coordinator/logout", {}, "/coordinator/")


def csrf_from(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def add_coordinator(database: str, username: str, role: str = "coordinator") -> str:
    db = connect(database)
    try:
        return create_coordinator(db, username, PASSWORD, role=role)
    finally:
        db.conn.close()


def query(database: str, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(database, timeout=10)
    try:
        with conn:
            return list(conn.execute(sql, params))
    finally:
        conn.close()


def toolkit_cli(server: Server, *args: str) -> subprocess.CompletedProcess:
    """`toolkit ...` on the server's instance folder, as an operator runs it on the server."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOOLKIT_")}
    env["TOOLKIT_INSTANCE"] = str(server.directory)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("toolkit")), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def workers(server: Server) -> set[int]:
    """The pids of gunicorn's workers (the master's children)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


def kill_worker(server: Server, pid: int, timeout: float = 60) -> None:
    """kill -9 of one worker; return once gunicorn has started its replacement."""
    before = workers(server)
    os.kill(pid, 9)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = workers(server)
        if pid not in now and len(now) == len(before):
            # The new worker answers once it has booted (--preload: at once).
            return
        time.sleep(0.05)
    raise AssertionError("gunicorn did not replace the killed worker")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _start(directory: Path, **config) -> Server:
    database = str(directory / "toolkit.sqlite")
    init_db(database)
    add_coordinator(database, "asha", role="admin")
    server = Server(directory, database, workers=2)
    return server.start(**config)


@pytest.fixture(scope="session")
def production(tmp_path_factory):
    """gunicorn with 2 workers behind one trusted proxy, as docs/DEPLOY.md runs it."""
    server = _start(tmp_path_factory.mktemp("production"), TRUSTED_PROXIES=1, BASE_URL=BASE_URL)
    yield server
    server.kill()


@pytest.fixture(scope="session")
def bare(tmp_path_factory):
    """gunicorn with 2 workers and nothing configured but the database (no SECRET_KEY)."""
    server = _start(tmp_path_factory.mktemp("bare"), SECRET_KEY=None)
    yield server
    server.kill()


@pytest.fixture
def admin(production) -> Browser:
    browser = Browser(production)
    assert browser.login("asha").status == 302
    return browser
