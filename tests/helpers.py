"""Helpers for tests and benches: an app on a database of its own, a coordinator, a stored log.

Fixtures are in tests/conftest.py; what a test module needs from another is here, so no test module
imports another.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

from flask import Flask

from toolkit import create_app
from toolkit.coordinator import create_coordinator
from toolkit.db import connect, init_db
from toolkit.enrolment import create_facilitator, issue_code

PASSWORD = "correct horse battery"
SYNC = "/api/v1/sync"


def new_app(folder: Path, **config) -> Flask:
    """An app on a new, migrated database in `folder` (unless `config` names another, or
    ":memory:"), with `config` on top: what the `make_app` fixture, the browser tests' servers and
    the benches start from."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = {
        "TESTING": True,
        "DATABASE": str(folder / "toolkit.sqlite"),
        "SECRET_KEY": "test",
        **config,
    }
    if settings["DATABASE"] != ":memory:":
        init_db(settings["DATABASE"])
    return create_app(settings)


def add_coordinator(app: Flask, username: str = "asha", lang: str = "en") -> str:
    """An admin coordinator who signs in with PASSWORD."""
    db = connect(app.config["DATABASE"])
    create_coordinator(db, username, PASSWORD, role="admin", lang=lang)
    db.conn.close()
    return username


def login(client, username="asha", password=PASSWORD):
    return client.post("/coordinator/login", data={"username": username, "password": password})


def add_log(database: str, **fields) -> str:
    """A stored log as sync would have stored it (Sialkot, 10 participants, unless `fields` say
    otherwise), straight into the database; returns its id."""
    log_id = str(uuid.uuid4())
    db = connect(database)
    seq = (db.execute("select coalesce(max(seq), 0) from session_logs").fetchone()[0]) + 1
    record = {
        "id": log_id,
        "rev": 1,
        "device_id": "d",
        "facilitator_id": "f",
        "guide": "ng-agent",
        "lang": "ur",
        "held_on": "2026-10-05",
        "minutes": 75,
        "district": "Sialkot",
        "venue_type": "community-hall",
        "participants": 10,
        "steps_done": "[]",
        "themes": json.dumps(["wages"]),
        "requested": json.dumps(["ng-employer"]),
        "referrals": json.dumps({"legal-aid": 1}),
        "market_info": "",
        "notes": "",
        "voided": 0,
        "seq": seq,
        "content_hash": "h",
        "conflict": 0,
        **fields,
    }
    db["session_logs"].insert(record)
    db.conn.close()
    return log_id


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def make_log(**changes) -> dict:
    """A valid record as the phone sends it (ng-agent is complete in every language)."""
    record = {
        "id": str(uuid.uuid4()),
        "rev": 1,
        "guide": "ng-agent",
        "lang": "ne",
        "content_version": "96fe8764e4f8",
        "app_version": "0.1.0",
        "held_on": today().isoformat(),
        "minutes": 75,
        "district": "Sindhupalchok",
        "venue_type": "community-hall",
        "participants": 14,
        "returnees": 3,
        "steps_done": ["welcome", "energiser", "feedback"],
        "themes": ["wages", "rest-day"],
        "requested": ["ng-employer"],
        "referrals": {"legal-aid": 2},
        "market_info": "Agents ask 1.5 lakh for Malaysia.",
        "notes": "Started late: rain.",
        "voided": False,
        "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-20T10:05:00Z",
    }
    record.update(changes)
    return record


def enrol(app, client, name="Sita Tamang", country="NP") -> dict:
    """A facilitator with an enrolled phone: the API's answer (token, device_id, facilitator)."""
    db = connect(app.config["DATABASE"])
    facilitator = create_facilitator(db, name, country)
    code, _ = issue_code(db, facilitator["id"])
    db.conn.close()
    response = client.post("/api/v1/enrol", json={"code": code})
    assert response.status_code == 200
    return response.get_json()


def send(client, phone, *records, lang="en", **body):
    return client.post(
        SYNC,
        json={"records": list(records), "app_version": "0.1.0", **body},
        headers={"Authorization": f"Bearer {phone['token']}", "Accept-Language": lang},
    )


def children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (gunicorn's workers), from /proc: no procps needed."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
