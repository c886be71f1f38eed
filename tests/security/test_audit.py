"""The audit log on the deployed server: every event a data-protection officer asks about, admins only.

Who, when, what, from which address; never a participant's data or a note's text; kept for
AUDIT_RETENTION_DAYS (400) and purged by `toolkit purge-audit`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from tests.reliability.conftest import enrol_phone, make_log
from toolkit import audit
from toolkit.db import connect

from .conftest import PASSWORD, Browser, add_coordinator, query, toolkit_cli

NOTE = "Secret note about Kamala's family " + uuid.uuid4().hex
MARKET = "Agent in Kathmandu asks 2 lakh " + uuid.uuid4().hex


def multipart(fields: dict, file_name: str, file_body: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: application/json\r\n\r\n".encode()
        + file_body
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def actions(database: str) -> list[str]:
    return [row[0] for row in query(database, "SELECT action FROM audit_log ORDER BY id")]


def test_every_kind_of_event_is_recorded_with_who_when_what_and_where(production):
    server = production
    name = f"Audit Phone {uuid.uuid4().hex[:6]}"
    token = enrol_phone(server.database, name)
    [(facilitator_id,)] = query(
        server.database, "SELECT id FROM facilitators WHERE name = ?", [name]
    )
    [(device_id,)] = query(
        server.database, "SELECT id FROM devices WHERE facilitator_id = ?", [facilitator_id]
    )

    intruder = Browser(server)
    assert intruder.login("asha", "not the password").status == 401
    admin = Browser(server)
    assert admin.login("asha").status == 302

    assert (
        admin.request("GET", "/coordinator/export/aggregates.csv?district=Sindhupalchok").status
        == 200
    )
    answer = admin.post(
        "/coordinator/export/logs.csv?start=2026-01-01",
        {"include_notes": "y"},
        "/coordinator/export/logs.csv",
    )
    assert answer.status == 200

    body, content_type = multipart(
        {"csrf_token": admin.csrf_token("/coordinator/import"), "facilitator": facilitator_id},
        "unsent.json",
        json.dumps({"records": [make_log(notes=NOTE, market_info=MARKET)]}).encode(),
    )
    answer = admin.request(
        "POST", "/coordinator/import", body=body, headers={"Content-Type": content_type}
    )
    assert answer.status == 200 and "stored" in answer.text

    record = make_log(participants=12, notes=NOTE)
    assert server.sync(token, [record])[1]["results"][0]["status"] == "created"
    assert (
        server.sync(token, [{**record, "participants": 15}])[1]["results"][0]["status"]
        == "conflict"
    )
    page = admin.request("GET", "/coordinator/attention").text
    copy_hash = re.search(
        rf'name="log_id" value="{record["id"]}">\s*<input type="hidden" name="copy_rev" value="1">\s*'
        r'<input type="hidden" name="copy_hash" value="([0-9a-f]+)"',
        page,
    ).group(1)
    answer = admin.post(
        "/coordinator/attention",
        {"log_id": record["id"], "copy_rev": "1", "copy_hash": copy_hash, "choice": "copy"},
    )
    assert answer.status == 302

    page = admin.request("GET", "/coordinator/facilitators").text
    enrol = re.search(rf'action="(/coordinator/facilitators/{facilitator_id}/enrol)"', page).group(
        1
    )
    assert admin.post(enrol, {}, "/coordinator/facilitators").status == 200
    revoke = f"/coordinator/devices/{device_id}/revoke"
    assert admin.post(revoke, {}, "/coordinator/facilitators").status == 302

    add_coordinator(server.database, f"audit-{uuid.uuid4().hex[:6]}")
    user = query(server.database, "SELECT username FROM coordinators ORDER BY rowid DESC LIMIT 1")[
        0
    ][0]
    new = "a brand new password"
    changed = admin.post(
        "/coordinator/password", {"username": user, "password": new, "confirm": new}
    )
    assert changed.status == 302
    toolkit_cli(server, "purge-notes", "--older-than", "100000")
    toolkit_cli(server, "purge-audit")
    assert admin.logout().status == 302

    rows = query(
        server.database,
        "SELECT at, action, actor, address, details FROM audit_log ORDER BY id",
    )
    recorded = {row[1] for row in rows}
    audio_actions = {
        action for action in audit.ACTIONS if action.startswith("audio_")
    }  # test_audio.py
    assert (
        set(audit.ACTIONS) - {"coordinator_created", "coordinator_withdrawn", *audio_actions}
        <= recorded
    )
    by_action = {row[1]: row for row in rows if row[3] in (admin.address, intruder.address)}
    assert by_action["login_failed"][2:4] == ("asha", intruder.address)
    for action in ("login", "export", "import", "conflict_resolved", "phone_withdrawn", "logout"):
        at, _action, actor, address, _details = by_action[action]
        assert (actor, address) == ("asha", admin.address), action
        assert dt.datetime.fromisoformat(at) > dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    exports = [json.loads(row[4]) for row in rows if row[1] == "export" and row[3] == admin.address]
    assert {"kind": "aggregates.csv", "district": "Sindhupalchok"} in exports
    assert {"kind": "session-logs.csv", "start": "2026-01-01", "notes": True} in exports
    imported = next(
        json.loads(row[4]) for row in rows if row[1] == "import" and row[3] == admin.address
    )
    assert imported == {"facilitator": facilitator_id, "device": None, "created": 1}
    assert {"what": "notes"}.items() <= next(
        json.loads(row[4]) for row in rows if row[1] == "purge" and "notes" in row[4]
    ).items()
    # Never a participant's data or a note's text.
    everything = json.dumps(rows, ensure_ascii=False)
    assert NOTE not in everything and MARKET not in everything and "Kamala" not in everything

    reader = Browser(server)
    assert reader.login("asha").status == 302
    page = reader.request("GET", "/coordinator/audit")
    assert page.status == 200
    for label in ("Sign-in failed", "Signed in", "Export", "Conflict resolved", "Phone withdrawn"):
        assert label in page.text
    assert intruder.address in page.text and NOTE not in page.text


def test_only_admins_read_the_audit_log(production):
    add_coordinator(production.database, "hari")
    browser = Browser(production)
    assert browser.login("hari").status == 302
    assert browser.request("GET", "/coordinator/audit").status == 403
    assert "/coordinator/audit" not in browser.request("GET", "/coordinator/").text
    assert Browser(production).request("GET", "/coordinator/audit").status == 302  # signed out


def test_events_older_than_the_retention_period_are_purged(production):
    db = connect(production.database)
    now = dt.datetime.now(dt.UTC)
    marker = uuid.uuid4().hex
    try:
        for days in (401, 399):
            audit.record(
                db, "purge", actor=marker, details={"days": days}, now=now - dt.timedelta(days=days)
            )
    finally:
        db.conn.close()
    toolkit_cli(production, "purge-audit")
    kept = query(production.database, "SELECT details FROM audit_log WHERE actor = ?", [marker])
    assert [json.loads(row[0]) for row in kept] == [{"days": 399}]
    result = toolkit_cli(production, "purge-audit", "--older-than", "30")
    assert "deleted" in result.stdout
    assert query(
        production.database, "SELECT count(*) FROM audit_log WHERE actor = ?", [marker]
    ) == [(0,)]


def test_record_refuses_unknown_actions_and_keeps_values_short(tmp_path):
    from toolkit.db import init_db

    init_db(str(tmp_path / "a.sqlite"))
    db = connect(str(tmp_path / "a.sqlite"))
    try:
        try:
            audit.record(db, "read_notes")
        except ValueError as error:
            assert "unknown audit action" in str(error)
        else:
            raise AssertionError("an unknown action was recorded")
        audit.record(
            db, "export", actor="asha", details={"kind": "x" * 1000, "ids": list(range(99))}
        )
        [event] = audit.events(db)
        assert len(event["details"]["kind"]) == audit.MAX_VALUE_LENGTH
        assert len(event["details"]["ids"]) == audit.MAX_LIST_ITEMS
    finally:
        db.conn.close()


def test_password_changes_on_the_command_line_are_recorded(production):
    add_coordinator(production.database, "indra")
    toolkit_cli(production, "set-password", "indra", "--password", PASSWORD + "!")
    rows = query(
        production.database,
        "SELECT actor, details FROM audit_log WHERE action = 'password_changed' ORDER BY id DESC LIMIT 1",
    )
    assert rows == [("cli", json.dumps({"user": "indra"}))]
