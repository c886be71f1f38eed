"""Field hubs as an operator finds them (issue 17 item 5).

A withdrawal on central wins over the hub's push; central lists its hubs (`toolkit hubs` and a
coordinator page); a central server that dies mid-answer is reported as a dropped connection;
`toolkit sync status` forgets a mistaken address, says what exists only on the hub, and exits 1
when cron or monitoring should alert.
"""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading

from tests.helpers import make_log
from tests.hub_helpers import CENTRAL, database, fill_hub, hub_token, rows, sync
from toolkit.coordinator import create_coordinator
from toolkit.enrolment import revoke_device
from toolkit.hub.upstream import PushError, Upstream

from . import test_hub

# test_hub's fixtures: two apps for the module, a fresh database each per test, a fake transport
apps, central, hub_app, wire = test_hub.apps, test_hub.central, test_hub.hub_app, test_hub.wire


def push(hub_app, token, *extra):
    return hub_app.test_cli_runner().invoke(
        args=["sync", "push", "--to", CENTRAL, "--token", token, *extra]
    )


def test_a_withdrawal_on_central_wins_over_the_hubs_push(central, hub_app, wire, monkeypatch):
    monkeypatch.setattr("toolkit.hub.upstream.urllib_transport", wire)
    people = fill_hub(hub_app)
    token = hub_token(central)
    assert push(hub_app, token).exit_code == 0
    sita = people["sita"]["device_id"]
    db = database(central)
    try:  # a coordinator withdraws Sita's phone on central (the facilitators page does this)
        assert revoke_device(db, sita)
    finally:
        db.conn.close()

    again = push(hub_app, token)
    assert again.exit_code == 0, again.output
    assert "The central server has withdrawn 1 phone(s)" in again.output
    assert "Sita Tamang's phone enrolled" in again.output and sita[:8] in again.output
    (on_central,) = rows(central, "SELECT revoked_at FROM devices WHERE id = ?", [sita])
    assert on_central["revoked_at"]  # not re-activated by the push
    (on_hub,) = rows(hub_app, "SELECT revoked_at FROM devices WHERE id = ?", [sita])
    assert on_hub["revoked_at"] == on_central["revoked_at"]
    # ...and the hub refuses the phone too
    refused = hub_app.test_client().post(
        "/api/v1/sync",
        json={"records": [make_log()]},
        headers={"Authorization": f"Bearer {people['sita']['token']}", "Accept-Language": "en"},
    )
    assert refused.status_code == 403 and "withdrawn" in refused.get_json()["error"]
    # the other phone goes on as before; a third push names no one again
    assert sync(hub_app, people["nasreen"], make_log(lang="ur", district="Lahore")) == ["created"]
    third = push(hub_app, token)
    assert third.exit_code == 0 and "withdrawn" not in third.output
    assert rows(central, "SELECT revoked_at FROM devices WHERE id = ?", [sita]) == [on_central]


def test_central_lists_its_hubs_on_the_command_line_and_a_page(central, hub_app, wire, monkeypatch):
    monkeypatch.setattr("toolkit.hub.upstream.urllib_transport", wire)
    runner = central.test_cli_runner()
    assert "No hubs" in runner.invoke(args=["hubs"]).output
    fill_hub(hub_app)
    token = hub_token(central)
    hub_token(central, "Sindh centre")
    assert central.test_cli_runner().invoke(args=["revoke-hub", "Sindh centre"]).exit_code == 0
    listed = runner.invoke(args=["hubs"]).output
    assert "Sindhupalchok centre  (active" in listed and "last push:  never completed" in listed
    assert "Sindh centre  (REVOKED" in listed

    wire.fail, wire.fail_on = "after", 2  # a push that stops half-way: central knows nothing new
    assert push(hub_app, token, "--batch", "5").exit_code == 1
    assert "never completed" in runner.invoke(args=["hubs"]).output.split("Sindhupalchok")[1]
    wire.fail = None
    assert push(hub_app, token).exit_code == 0
    listed = runner.invoke(args=["hubs"]).output.split("Sindhupalchok centre")[1]
    assert "pending:    0 change(s) held on the hub after that push, 0 refused here" in listed
    status = runner.invoke(args=["status"]).output
    assert (
        "field hubs:" in status and "2 (1 revoked); oldest last push of an active hub: 20" in status
    )
    assert "relayed:    5 log(s) from 2 phone(s)" in listed

    db = database(central)
    try:
        create_coordinator(db, "asha", "correct horse battery", role="coordinator", lang="en")
    finally:
        db.conn.close()
    client = central.test_client()
    client.post(
        "/coordinator/login", data={"username": "asha", "password": "correct horse battery"}
    )
    page = client.get("/coordinator/hubs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sindhupalchok centre" in html and "Sindh centre" in html and "Revoked" in html
    assert html.count("<tr>") == 3  # header and two hubs
    assert 'href="/coordinator/hubs"' in html  # in the coordinator menu
    assert client.get("/ne/").status_code in (200, 302)
    nepali = client.get("/coordinator/hubs", headers={"Accept-Language": "ne"})
    assert nepali.status_code == 200


def truncating_server(body: bytes, length: int):
    """A server that sends a 200 with Content-Length `length`, then only `body`, and hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        connection, _ = listener.accept()
        with connection:
            # Read the whole request first: closing with unread bytes would send a reset, which can
            # reach the client before the partial answer does.
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(65536)
            head, _, rest = request.partition(b"\r\n\r\n")
            match = re.search(rb"(?i)content-length:\s*(\d+)", head)
            while match and len(rest) < int(match.group(1)):
                rest += connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {length}\r\n\r\n".encode()
                + body
            )

    threading.Thread(target=serve, daemon=True).start()
    return listener


def test_a_central_that_dies_mid_answer_is_a_dropped_connection_not_a_wrong_address():
    listener = truncating_server(b'{"results": [{"id": "', 4000)
    try:
        upstream = Upstream(f"http://127.0.0.1:{listener.getsockname()[1]}", "secret", timeout=5)
        try:
            upstream.post("/api/v1/sync", {"records": []})
        except PushError as problem:
            message = str(problem)
        else:
            raise AssertionError("a cut-off answer was taken as complete")
    finally:
        listener.close()
    assert "dropped in the middle of its answer" in message
    assert "sent again" in message and "not with JSON" not in message
    assert "secret" not in message


def test_sync_status_forgets_a_mistaken_address_and_alerts(central, hub_app, wire, monkeypatch):
    fill_hub(hub_app)
    token = hub_token(central)
    runner = hub_app.test_cli_runner()
    typo = runner.invoke(args=["sync", "push", "--to", "http://127.0.0.1:9", "--token", token])
    assert typo.exit_code == 1  # nothing listens there (the real transport)
    monkeypatch.setattr("toolkit.hub.upstream.urllib_transport", wire)
    assert push(hub_app, token).exit_code == 0

    status = runner.invoke(args=["sync", "status"])
    assert status.exit_code == 1  # the typo's push failed and its 11 changes wait forever
    assert "the last push to http://127.0.0.1:9 failed" in status.output
    assert "--forget URL" in status.output
    assert "logs only on this hub (no upstream has acknowledged them): 0" in status.output

    unknown = runner.invoke(args=["sync", "status", "--forget", "https://nowhere.test"])
    assert (
        unknown.exit_code == 1
        and "Known: http://127.0.0.1:9, http://central.test" in unknown.output
    )
    forgot = runner.invoke(args=["sync", "status", "--forget", "HTTP://127.0.0.1:9/"])
    assert forgot.exit_code == 0 and "Forgot http://127.0.0.1:9" in forgot.output
    status = runner.invoke(args=["sync", "status"])
    assert status.exit_code == 0, status.output
    assert "127.0.0.1:9" not in status.output

    # a new log waits: fine for a while, an alert past --max-wait
    db = database(hub_app)
    try:
        device = db.execute("SELECT id, facilitator_id FROM devices LIMIT 1").fetchone()
    finally:
        db.conn.close()
    from toolkit.library import sync_rules
    from toolkit.sync.ingest import Sender, ingest

    with hub_app.app_context():
        rules = sync_rules()
    db = database(hub_app)
    try:
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        ingest(db, [make_log()], Sender(device[0], device[1], "NP"), rules, now=long_ago)
    finally:
        db.conn.close()
    waiting = runner.invoke(args=["sync", "status"])
    assert waiting.exit_code == 1
    assert "1 change(s) for http://central.test, the oldest waiting 3h" in waiting.output
    assert "logs only on this hub (no upstream has acknowledged them): 1" in waiting.output
    assert runner.invoke(args=["sync", "status", "--max-wait", "4h"]).exit_code == 0


def test_a_token_file_holding_the_whole_printed_line_works(tmp_path):
    from toolkit.hub.commands import read_token

    whole = tmp_path / "hub-token"
    whole.write_text("token: abc-DEF_123\n", encoding="utf-8")
    assert read_token(None, str(whole)) == "abc-DEF_123"
    whole.write_text("abc-DEF_123\n", encoding="utf-8")
    assert read_token(None, str(whole)) == "abc-DEF_123"


def test_the_report_address_takes_only_a_hubs_two_counts(central):
    token = hub_token(central)
    client = central.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    assert client.post("/api/v1/hub/report", json={"pending": 1, "refused": 0}).status_code == 401
    for body in ([], {"pending": -1, "refused": 0}, {"pending": True, "refused": 0}, {"pending": 1.5},
                 {"pending": 10**12, "refused": 0}, "x", None):  # fmt: skip
        answer = client.post("/api/v1/hub/report", json=body, headers=headers)
        assert answer.status_code == 400, body
        assert "pending" in answer.get_json()["error"]
    assert rows(central, "SELECT last_push_at FROM hubs") == [{"last_push_at": None}]
    ok = client.post("/api/v1/hub/report", json={"pending": 4, "refused": 1}, headers=headers)
    assert ok.status_code == 200
    (hub,) = rows(central, "SELECT pending_changes, refused_changes FROM hubs")
    assert hub == {"pending_changes": 4, "refused_changes": 1}
