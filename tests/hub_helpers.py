"""Helpers for the field-hub tests: a central and a hub app, phones on them, a filled hub.

tests/test_hub.py and tests/test_hub_operator.py both start from these; no test module imports another.
"""

from __future__ import annotations

import json
import urllib.parse

from tests.helpers import make_log, new_app
from toolkit.db import connect, init_db
from toolkit.enrolment import create_facilitator, issue_code
from toolkit.hub.upstream import SYNC_PATH, Answer

CENTRAL = "http://central.test"


def app_on(path, **config):
    """An app on a new, migrated database at `path`, CSRF off (the hub tests post forms directly)."""
    return new_app(path.parent, DATABASE=str(path), WTF_CSRF_ENABLED=False, **config)


def fresh(app, path):
    init_db(str(path))
    app.config["DATABASE"] = str(path)
    return app


def database(app):
    return connect(app.config["DATABASE"])


def rows(app, sql, params=()):
    db = database(app)
    try:
        return [dict(row) for row in db.query(sql, list(params))]
    finally:
        db.conn.close()


def hub_token(central, name="Sindhupalchok centre") -> str:
    """`toolkit create-hub-token` on central; the token as printed."""
    result = central.test_cli_runner().invoke(args=["create-hub-token", name])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("token: ")]
    return line.removeprefix("token: ")


class Wire:
    """A transport into central's test client, recording requests; `fail` makes it break."""

    def __init__(self, app):
        self.client = app.test_client()
        self.requests: list[tuple[str, dict]] = []
        self.fail: str | None = None  # "before" (nothing reaches central) or "after" (answer lost)
        self.fail_on = 0  # the n-th /sync request (1-based) fails

    def __call__(self, url, body, headers, timeout):
        path = urllib.parse.urlsplit(url).path
        self.requests.append((path, json.loads(body)))
        syncs = sum(1 for p, _ in self.requests if p == SYNC_PATH)
        failing = self.fail and path == SYNC_PATH and syncs == self.fail_on
        if failing and self.fail == "before":
            raise ConnectionRefusedError(111, "Connection refused")
        response = self.client.post(path, data=body, headers=dict(headers))
        if failing:
            raise ConnectionResetError(104, "Connection reset by peer")
        return Answer(response.status_code, response.get_data(), response.headers.get("Location"))

    def records_sent(self) -> list[dict]:
        return [r for path, body in self.requests if path == SYNC_PATH for r in body["records"]]


def phone(app, name="Sita Tamang", country="NP") -> dict:
    """A facilitator on the hub with an enrolled phone (as the phone sees it)."""
    db = database(app)
    try:
        facilitator = create_facilitator(db, name, country)
        code, _ = issue_code(db, facilitator["id"])
    finally:
        db.conn.close()
    response = app.test_client().post("/api/v1/enrol", json={"code": code})
    assert response.status_code == 200
    return response.get_json()


def sync(app, device, *records) -> list[str]:
    response = app.test_client().post(
        "/api/v1/sync",
        json={"records": list(records)},
        headers={"Authorization": f"Bearer {device['token']}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return [result["status"] for result in response.get_json()["results"]]


def fill_hub(hub_app) -> dict:
    """Two phones' logs on the hub: edits (rev 2, 3), a voided log, a stale and a conflict copy."""
    sita, nasreen = phone(hub_app), phone(hub_app, "Nasreen Akhtar", "PK")
    logs = [make_log() for _ in range(4)]
    assert sync(hub_app, sita, *logs) == ["created"] * 4
    assert sync(hub_app, sita, {**logs[0], "rev": 2, "participants": 15}) == ["updated"]
    assert sync(hub_app, sita, {**logs[0], "rev": 3, "notes": "third"}) == ["updated"]
    assert sync(hub_app, sita, {**logs[1], "rev": 2, "voided": True}) == ["updated"]
    assert sync(hub_app, sita, {**logs[1], "participants": 9}) == ["stale"]
    assert sync(hub_app, sita, {**logs[2], "participants": 20}) == ["conflict"]
    pk_log = make_log(lang="ur", district="Lahore")
    assert sync(hub_app, nasreen, pk_log, {**pk_log, "rev": 2, "minutes": 80}) == [
        "created",
        "updated",
    ]
    return {"sita": sita, "nasreen": nasreen, "logs": logs}


def assert_central_equals_hub(central, hub_app):
    """Central has the hub's logs exactly once, with the same revisions kept."""
    mine = rows(hub_app, f"SELECT {SAME} FROM session_logs ORDER BY id")
    theirs = rows(central, f"SELECT {SAME} FROM session_logs ORDER BY id")
    assert theirs == mine
    kept = "SELECT log_id, rev, content_hash, reason FROM session_log_revisions ORDER BY 1, 2, 3"
    assert rows(central, kept) == rows(hub_app, kept)


SAME = (
    "id, rev, device_id, facilitator_id, content_hash, guide, lang, held_on, minutes, district, "
    "venue_type, participants, returnees, steps_done, themes, requested, referrals, market_info, "
    "notes, voided, created_at, updated_at, conflict"
)
