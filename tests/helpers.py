"""Helpers for tests and benches: an app on a database of its own, a coordinator, a stored log.

Fixtures are in tests/conftest.py; what a test module needs from another is here, so no test module
imports another.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from flask import Flask

from toolkit import create_app
from toolkit.coordinator import create_coordinator
from toolkit.db import connect, init_db

PASSWORD = "correct horse battery"


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
