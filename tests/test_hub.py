"""Field hub → central: hub tokens, the people endpoint, `toolkit sync push` and `sync status`.

Two apps on two temporary databases; the hub's push reaches central through central's test client
(a fake transport), so a failing or dropped upstream can be simulated exactly.
tests/test_hub_integration.py does the same over real HTTP with real server processes.
"""

from __future__ import annotations

import http.server
import json
import re
import shlex
import threading
import uuid

import pytest

from tests.helpers import make_log
from tests.hub_helpers import (
    CENTRAL,
    Wire,
    app_on,
    assert_central_equals_hub,
    database,
    fill_hub,
    fresh,
    hub_token,
    phone,
    rows,
    sync,
)
from toolkit import hub
from toolkit.enrolment import revoke_device
from toolkit.hub.progress import peer_status, pending_count
from toolkit.hub.pushing import PushReport, next_batch, push
from toolkit.hub.schedule import keep_pushing, retry_delay
from toolkit.hub.upstream import PEOPLE_PATH, PushError, Upstream
from toolkit.tokens import hash_secret


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """Two apps for the module (building one takes a second); each test gives them new databases."""
    folder = tmp_path_factory.mktemp("apps")
    return app_on(folder / "central.sqlite"), app_on(folder / "hub.sqlite")


@pytest.fixture
def central(apps, tmp_path):
    return fresh(apps[0], tmp_path / "central.sqlite")


@pytest.fixture
def hub_app(apps, tmp_path):
    return fresh(apps[1], tmp_path / "hub.sqlite")


@pytest.fixture
def wire(central):
    return Wire(central)


def test_create_hub_token_prints_it_once_and_stores_only_its_hash(central):
    token = hub_token(central)
    (stored,) = rows(central, "SELECT * FROM hubs")
    assert stored["token_hash"] == hash_secret(token) and token not in json.dumps(stored)
    assert stored["name"] == "Sindhupalchok centre" and uuid.UUID(stored["id"])
    again = central.test_cli_runner().invoke(args=["create-hub-token", "sindhupalchok  centre"])
    assert again.exit_code != 0 and "--replace" in again.output
    assert len(rows(central, "SELECT * FROM hubs")) == 1


def test_replacing_a_token_keeps_the_hub_and_stops_the_old_token(central, hub_app, wire):
    old = hub_token(central)
    replaced = central.test_cli_runner().invoke(
        args=["create-hub-token", "Sindhupalchok centre", "--replace"]
    )
    assert replaced.exit_code == 0
    new = replaced.output.split("token: ")[1].split()[0]
    assert len(rows(central, "SELECT * FROM hubs")) == 1
    db = database(hub_app)
    with pytest.raises(PushError, match="does not know this hub token"):
        push(db, Upstream(CENTRAL, old, transport=wire))
    assert push(db, Upstream(CENTRAL, new, transport=wire)).batches == 0
    db.conn.close()


@pytest.mark.parametrize("revoked", [False, True])
def test_wrong_or_revoked_token_is_a_clear_error_and_nothing_is_stored(
    central, hub_app, wire, monkeypatch, revoked
):
    fill_hub(hub_app)
    token = hub_token(central)
    if revoked:
        result = central.test_cli_runner().invoke(args=["revoke-hub", "Sindhupalchok centre"])
        assert result.exit_code == 0 and "can no longer push" in result.output
    else:
        token = "not-" + token
    monkeypatch.setattr("toolkit.hub.upstream.urllib_transport", wire)
    result = hub_app.test_cli_runner().invoke(
        args=["sync", "push", "--to", CENTRAL, "--token", token]
    )
    assert result.exit_code == 1
    expected = "revoked" if revoked else "does not know this hub token"
    assert expected in result.output and token not in result.output
    assert rows(central, "SELECT * FROM session_logs") == []
    assert rows(central, "SELECT * FROM facilitators") == []
    assert [path for path, _ in wire.requests] == [PEOPLE_PATH]  # no log was sent
    status = hub_app.test_cli_runner().invoke(args=["sync", "status"])
    assert expected in status.output and "last push:  never completed" in status.output


def test_people_endpoint_refuses_phones_and_speaks_the_phones_language(central, hub_app):
    sita = phone(central)
    answer = central.test_client().post(
        PEOPLE_PATH,
        json={"facilitators": [], "devices": []},
        headers={"Authorization": f"Bearer {sita['token']}", "Accept-Language": "ne"},
    )
    assert answer.status_code == 403
    assert any("\u0900" <= char <= "\u097f" for char in answer.get_json()["error"])
    unknown = central.test_client().post(
        PEOPLE_PATH, json={}, headers={"Authorization": "Bearer nope"}
    )
    assert unknown.status_code == 401 and "create-hub-token" in unknown.get_json()["error"]


def test_people_go_first_idempotently_without_tokens(central, hub_app, wire):
    fill_hub(hub_app)
    token = hub_token(central)
    db = database(hub_app)
    report = push(db, Upstream(CENTRAL, token, transport=wire))
    assert report.people["facilitators"]["created"] == 2
    assert report.people["devices"]["created"] == 2
    assert wire.requests[0][0] == PEOPLE_PATH
    sent = json.dumps([body for path, body in wire.requests if path == PEOPLE_PATH])
    for device in rows(hub_app, "SELECT token_hash FROM devices"):
        assert device["token_hash"] not in sent
    (hub_row,) = rows(central, "SELECT id FROM hubs")
    facilitators = "SELECT id, name, country, created_at FROM facilitators ORDER BY id"
    assert rows(central, facilitators) == rows(hub_app, facilitators)
    relayed = rows(central, "SELECT id, token_hash, hub_id FROM devices")
    assert all(d["token_hash"] == f"relayed:{d['id']}" for d in relayed)
    assert {d["hub_id"] for d in relayed} == {hub_row["id"]}

    # Again: nothing changes; a device revoked on the hub is revoked on central too.
    device_id = relayed[0]["id"]
    revoke_device(db, device_id)
    again = push(db, Upstream(CENTRAL, token, transport=wire))
    assert again.people["facilitators"] == {"unchanged": 2}
    assert again.people["devices"] == {"unchanged": 1, "updated": 1}
    (revoked,) = rows(central, "SELECT revoked_at FROM devices WHERE id = ?", [device_id])
    assert revoked["revoked_at"]
    assert len(rows(central, "SELECT * FROM facilitators")) == 2
    db.conn.close()


def test_a_hub_cannot_change_people_it_did_not_register(central, hub_app, wire):
    token = hub_token(central)
    ours = phone(central, "Gita Rai")  # enrolled on central itself
    body = {
        "facilitators": [
            {
                "id": ours["facilitator"]["id"],
                "name": "Renamed",
                "country": "PK",
                "created_at": "2026-01-01T00:00:00Z",
            }
        ],
        "devices": [
            {
                "id": ours["device_id"],
                "facilitator_id": ours["facilitator"]["id"],
                "created_at": "2026-01-01T00:00:00Z",
                "revoked_at": "2026-01-01T00:00:00Z",
            },
            {  # a phone of the hub's, attached to central's facilitator: never stored
                "id": str(uuid.uuid4()),
                "facilitator_id": ours["facilitator"]["id"],
                "created_at": "2026-01-01T00:00:00Z",
                "revoked_at": None,
            },
        ],
    }
    answer = central.test_client().post(
        PEOPLE_PATH, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.get_json() == {
        "facilitators": {"kept": 1},
        "devices": {"kept": 1, "refused": 1},
    }
    assert len(rows(central, "SELECT * FROM devices")) == 1
    (gita,) = rows(central, "SELECT name FROM facilitators")
    assert gita["name"] == "Gita Rai"
    assert sync(central, ours, make_log()) == ["created"]  # her phone still works


def test_push_sends_every_change_once_with_original_ids_and_revisions(central, hub_app, wire):
    filled = fill_hub(hub_app)
    token = hub_token(central)
    db = database(hub_app)
    report = push(db, Upstream(CENTRAL, token, transport=wire))
    (hub_row,) = rows(central, "SELECT id FROM hubs")
    assert_central_equals_hub(central, hub_app)
    assert {r["relayed_by"] for r in rows(central, "SELECT relayed_by FROM session_logs")} == {
        hub_row["id"]
    }
    # Superseded revisions travel in rev order, so central keeps rev 1 and 2 of the edited log.
    edited = rows(
        central,
        "SELECT rev, reason FROM session_log_revisions WHERE log_id = ? ORDER BY rev",
        [filled["logs"][0]["id"]],
    )
    assert edited == [{"rev": 1, "reason": "superseded"}, {"rev": 2, "reason": "superseded"}]
    assert report.statuses["stale"] == 1 and report.statuses["conflict"] == 1
    assert rows(central, "SELECT conflict FROM session_logs WHERE conflict = 1") == [
        {"conflict": 1}
    ]
    # Nothing pending: a second push sends no record.
    sent = len(wire.records_sent())
    assert push(db, Upstream(CENTRAL, token, transport=wire)).batches == 0
    assert len(wire.records_sent()) == sent
    db.conn.close()


@pytest.mark.parametrize("fail", ["before", "after"])
def test_interrupted_push_resumes_from_the_last_acknowledged_batch(central, hub_app, wire, fail):
    fill_hub(hub_app)
    token = hub_token(central)
    db = database(hub_app)
    total = pending_count(db, 0)
    wire.fail, wire.fail_on = fail, 2
    with pytest.raises(PushError, match="Nothing was sent|sent again next time"):
        push(db, Upstream(CENTRAL, token, transport=wire), batch_size=3)
    (peer,) = peer_status(db)
    first_three = [seq for seq, _ in next_batch(db, 0, 3)]
    assert peer["last_acked_seq"] == first_three[-1]  # batch 1 acknowledged, batch 2 not
    assert peer["pending"] == total - 3
    assert ("dropped" if fail == "after" else "Connection refused") in peer["last_error"]
    on_central = len(rows(central, "SELECT id FROM session_logs"))
    assert on_central > 0

    wire.fail = None
    resent_from = len(wire.records_sent())
    report = push(db, Upstream(CENTRAL, token, transport=wire), batch_size=3)
    resent = wire.records_sent()[resent_from:]
    assert len(resent) == total - 3  # batch 1 is not sent again
    if fail == "after":  # central stored batch 2 but its answer was lost: sent again, no copy
        assert report.statuses["unchanged"] + report.statuses["stale"] >= 3
    assert_central_equals_hub(central, hub_app)
    (peer,) = peer_status(db)
    assert peer["pending"] == 0 and peer["last_error"] is None and peer["last_push_at"]
    db.conn.close()


def test_an_edit_after_a_push_travels_as_a_new_rev(central, hub_app, wire):
    filled = fill_hub(hub_app)
    token = hub_token(central)
    db = database(hub_app)
    push(db, Upstream(CENTRAL, token, transport=wire))
    log = filled["logs"][3]
    assert sync(hub_app, filled["sita"], {**log, "rev": 2, "minutes": 60}) == ["updated"]
    # Rev 1 keeps the seq central acknowledged: only the new rev is pending.
    assert pending_count(db, peer_status(db)[0]["last_acked_seq"]) == 1
    report = push(db, Upstream(CENTRAL, token, transport=wire))
    assert report.statuses == {"updated": 1}
    (row,) = rows(central, "SELECT rev, minutes FROM session_logs WHERE id = ?", [log["id"]])
    assert row == {"rev": 2, "minutes": 60}
    kept = "SELECT rev, reason FROM session_log_revisions WHERE log_id = ?"
    assert rows(central, kept, [log["id"]]) == [{"rev": 1, "reason": "superseded"}]
    assert_central_equals_hub(central, hub_app)
    db.conn.close()


def test_refused_records_are_kept_shown_and_sent_again(tmp_path, hub_app, central, monkeypatch):
    """A record central cannot accept (here: a district only the hub's config has) is not lost."""
    local = app_on(tmp_path / "local.sqlite", DISTRICTS={"NP": ["Newtown"]})
    sita = phone(local)
    odd, fine = make_log(district="Newtown"), make_log()
    assert sync(local, sita, odd, fine) == ["created", "created"]
    token = hub_token(central)
    monkeypatch.setattr("toolkit.hub.upstream.urllib_transport", Wire(central))
    args = ["sync", "push", "--to", CENTRAL, "--token", token]
    result = local.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1 and "1 record(s) refused" in result.output
    assert [r["id"] for r in rows(central, "SELECT id FROM session_logs")] == [fine["id"]]
    status = local.test_cli_runner().invoke(args=["sync", "status"]).output
    assert f"log {odd['id']} rev 1: district: unknown district 'Newtown'" in status
    assert "pending:    0" in status

    # Central learns the district (a config or content update): the next push delivers it.
    upgraded = app_on(tmp_path / "central.sqlite", DISTRICTS={"NP": ["Newtown"]})
    monkeypatch.setattr("toolkit.hub.upstream.urllib_transport", Wire(upgraded))
    result = local.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert len(rows(central, "SELECT id FROM session_logs")) == 2
    assert "refused" not in local.test_cli_runner().invoke(args=["sync", "status"]).output


def test_batches_stay_under_the_apis_size_limit(central, hub_app, wire):
    sita = phone(hub_app)
    long_text = "नेपाली " * 285  # ~2000 characters, 3 bytes each in UTF-8
    logs = [make_log(notes=long_text, market_info=long_text) for _ in range(100)]
    for start in range(0, 100, 25):
        assert set(sync(hub_app, sita, *logs[start : start + 25])) == {"created"}
    db = database(hub_app)
    report = push(db, Upstream(CENTRAL, hub_token(central), transport=wire))
    sizes = [len(json.dumps(body, ensure_ascii=False).encode()) for _, body in wire.requests]
    assert report.batches >= 2 and max(sizes) < 1024 * 1024
    assert len(rows(central, "SELECT id FROM session_logs")) == 100
    db.conn.close()


def test_status_shows_pending_last_push_and_last_error(
    central, hub_app, wire, monkeypatch, tmp_path
):
    fill_hub(hub_app)
    runner = hub_app.test_cli_runner()
    before = runner.invoke(args=["sync", "status"])
    assert before.exit_code == 0 and "No push yet; 11 changes to send" in before.output
    token = hub_token(central)
    wire.fail, wire.fail_on = "before", 1
    monkeypatch.setattr("toolkit.hub.upstream.urllib_transport", wire)
    failed = runner.invoke(args=["sync", "push", "--to", CENTRAL + "/", "--token", token])
    assert failed.exit_code == 1 and "Could not reach http://central.test" in failed.output
    status = runner.invoke(args=["sync", "status"]).output
    assert status.splitlines()[0] == CENTRAL
    assert "pending:    11" in status and "last push:  never completed" in status
    assert "Connection refused" in status
    wire.fail = None
    token_file = tmp_path / "hub-token"
    token_file.write_text(token + "\n", encoding="utf-8")
    done = runner.invoke(args=["sync", "push", "--to", CENTRAL, "--token-file", str(token_file)])
    assert done.exit_code == 0, done.output
    assert "nothing pending" in done.output
    status = runner.invoke(args=["sync", "status"]).output
    assert "pending:    0" in status and "last error: none" in status
    assert "never completed" not in status


def test_push_needs_exactly_one_way_to_give_the_token(hub_app, tmp_path):
    runner = hub_app.test_cli_runner()
    neither = runner.invoke(args=["sync", "push", "--to", CENTRAL])
    assert neither.exit_code == 2 and "--token" in neither.output
    missing = runner.invoke(
        args=["sync", "push", "--to", CENTRAL, "--token-file", str(tmp_path / "nope")]
    )
    assert missing.exit_code == 1 and "Cannot read the token file" in missing.output
    bad_url = runner.invoke(args=["sync", "push", "--to", "central.test", "--token", "t"])
    assert bad_url.exit_code == 2 and "https://" in bad_url.output
    bad_every = runner.invoke(
        args=["sync", "push", "--to", CENTRAL, "--token", "t", "--every", "0"]
    )
    assert bad_every.exit_code == 2 and "10m" in bad_every.output


def test_every_backs_off_after_failures_and_ctrl_c_stops(central, hub_app, wire):
    outcomes = iter([PushError("down."), PushError("down."), PushError("down."), None, None])
    waits: list[float] = []
    lines: list[str] = []

    def push_once():
        outcome = next(outcomes)
        if outcome:
            raise outcome
        return PushReport(CENTRAL)

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keep_pushing(push_once, 600, sleep=sleep, echo=lambda line, err=False: lines.append(line))
    assert waits == [30, 60, 120, 600, 600]  # sooner after a failure, backing off, then the rhythm
    assert "3 in a row" in lines[2] and "Next try in 2m" in lines[2]
    assert [retry_delay(n, 600) for n in (5, 6, 50)] == [480, 600, 600]


def test_every_stops_cleanly_on_ctrl_c(hub_app, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("toolkit.hub.commands.keep_pushing", interrupted)
    result = hub_app.test_cli_runner().invoke(
        args=["sync", "push", "--to", CENTRAL, "--token", "t", "--every", "10m"]
    )
    assert result.exit_code == 0 and "every 10m" in result.output and "Stopped." in result.output


def test_redirects_are_not_followed_with_the_token(tmp_path):
    """urllib would resend the Authorization header to wherever a redirect points."""
    seen: list[str] = []

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            seen.append(self.path)
            self.send_response(308)
            self.send_header("Location", "https://elsewhere.test/api/v1/hub/people")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        upstream = Upstream(f"http://127.0.0.1:{server.server_port}", "secret", timeout=5)
        with pytest.raises(PushError, match="redirects to https://elsewhere.test"):
            upstream.post(PEOPLE_PATH, {})
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [PEOPLE_PATH]


def test_deploy_notes_use_the_commands_as_they_are():
    """docs/DEPLOY.md section 6: every hub command line it shows parses."""
    from pathlib import Path

    from flask import Flask

    deploy = (Path(__file__).resolve().parent.parent / "docs" / "DEPLOY.md").read_text()
    section = deploy.split("## 6. Field hub")[1].split("### HTTPS")[0]
    lines = re.findall(r"toolkit ((?:sync push|create-hub-token|revoke-hub)[^`\n]*)", section)
    assert any("--every 10m" in line and "--token-file" in line for line in lines)
    app = Flask(__name__)
    hub.init_app(app)
    commands = app.cli.commands
    for line in lines:
        args = shlex.split(line.replace("…", "X"))
        command = commands["sync"].commands[args[1]] if args[0] == "sync" else commands[args[0]]
        rest = args[2:] if args[0] == "sync" else args[1:]
        if not rest:  # named in prose, without arguments
            continue
        command.make_context(args[0], rest)  # raises on an unknown option or a bad value
