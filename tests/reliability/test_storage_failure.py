"""A full disk or a read-only database: a clear 503 that says nothing was saved, and it is true.

The server runs as root in these tests' containers, where chmod cannot make a file read-only and no
small tmpfs can be mounted, so the failures are made inside SQLite: `PRAGMA max_page_count` (the
database cannot grow: SQLITE_FULL, as on a full disk) and a `mode=ro` connection (a read-only file).
Both go through the app's own connection function, replaced for the test.
"""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

import toolkit.db
from toolkit.db import connect
from toolkit.enrolment import create_facilitator, issue_code

from .conftest import enrol_phone, make_log

SYNC = "/api/v1/sync"


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(DATABASE=str(tmp_path / "storage.sqlite"))


def count_logs(database: str) -> int:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT COUNT(*) FROM session_logs").fetchone()[0]
    finally:
        conn.close()


def disk_full(path: str) -> sqlite_utils.Database:
    """The app's connection, on a database that cannot grow by a single page."""
    db = connect(path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")
    return db


def read_only(path: str) -> sqlite_utils.Database:
    """The app's connection settings, on a file SQLite may only read."""
    conn = sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False, timeout=5
    )
    conn.execute("PRAGMA busy_timeout = 5000")
    return sqlite_utils.Database(conn)


@pytest.mark.parametrize("failure", [disk_full, read_only], ids=["disk-full", "read-only"])
def test_sync_on_failing_storage_is_503_and_nothing_is_acknowledged(app, monkeypatch, failure):
    database = app.config["DATABASE"]
    token = enrol_phone(database)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    client = app.test_client()
    first = [make_log() for _ in range(5)]
    response = client.post(SYNC, json={"records": first}, headers=headers)
    assert [result["status"] for result in response.get_json()["results"]] == ["created"] * 5

    monkeypatch.setattr(toolkit.db, "connect", failure)
    batch = [make_log(notes="x" * 2000) for _ in range(200)]  # ~0.5 MB: needs many new pages
    response = client.post(SYNC, json={"records": batch}, headers=headers)
    assert response.status_code == 503
    assert "nothing was saved" in response.get_json()["error"]
    assert "results" not in response.get_json()  # no record acknowledged
    assert response.headers["Retry-After"]
    assert count_logs(database) == 5  # not one record of the batch stored, none of the first lost

    # Reading guides needs no database: the phone can still read while storage is broken.
    assert client.get("/ne/guides/ng-agent").status_code == 200

    monkeypatch.undo()  # the disk has room again: the phone's retry stores the whole batch
    response = client.post(SYNC, json={"records": batch}, headers=headers)
    assert [result["status"] for result in response.get_json()["results"]] == ["created"] * 200
    assert count_logs(database) == 205


def test_503_message_is_in_the_phones_language(app, monkeypatch):
    token = enrol_phone(app.config["DATABASE"])
    monkeypatch.setattr(toolkit.db, "connect", read_only)
    response = app.test_client().post(
        SYNC,
        json={"records": [make_log()]},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "ne"},
    )
    assert response.status_code == 503
    message = response.get_json()["error"]
    assert message and "nothing was saved" not in message  # translated, not the English text
    assert any("\u0900" <= char <= "\u097f" for char in message)


def test_enrolment_on_failing_storage_is_503_and_the_code_still_works_after(app, monkeypatch):
    database = app.config["DATABASE"]
    db = connect(database)
    sita = create_facilitator(db, "Sita Tamang", "NP")
    code, _ = issue_code(db, sita["id"])
    db.conn.close()
    client = app.test_client()

    monkeypatch.setattr(toolkit.db, "connect", read_only)
    response = client.post("/api/v1/enrol", json={"code": code}, headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert "try again" in response.get_json()["error"].lower()
    assert "token" not in response.get_json()  # no token handed out that the server does not know

    monkeypatch.undo()
    response = client.post("/api/v1/enrol", json={"code": code})
    assert response.status_code == 200 and response.get_json()["token"]


def test_the_servers_log_names_the_cause_and_the_database(app, monkeypatch, caplog):
    """Issue 17: not only "storage failed: OperationalError" — what failed, on which file."""
    token = enrol_phone(app.config["DATABASE"])
    monkeypatch.setattr(toolkit.db, "connect", read_only)
    record = make_log(notes="a note that must never reach the log")
    with caplog.at_level("ERROR"):
        response = app.test_client().post(
            SYNC, json={"records": [record]}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 503
    (line,) = [r.getMessage() for r in caplog.records if "storage failed" in r.getMessage()]
    assert "attempt to write a readonly database" in line
    assert (
        app.config["DATABASE"] in line and "must be able to write the file and its folder" in line
    )
    assert record["notes"] not in line and record["id"] not in line
