"""POST /api/v1/sync: every result status, atomicity, auth, limits, messages, fault switches."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import sqlite3
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from toolkit.db import connect
from toolkit.enrolment import revoke_device
from toolkit.tokens import hash_secret

from .faults import install as install_faults
from .helpers import SYNC, enrol, make_log, send, today


@pytest.fixture
def phone(app, client):
    return enrol(app, client)


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.conn.close()


def statuses(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [result["status"] for result in response.get_json()["results"]]


def stored(db) -> list[dict]:
    return list(db.query("SELECT * FROM session_logs ORDER BY seq"))


def revisions(db) -> list[dict]:
    return list(db.query("SELECT * FROM session_log_revisions ORDER BY seq"))


def test_new_log_is_created_then_a_resend_is_unchanged(client, phone, db):
    log = make_log()
    assert statuses(send(client, phone, log)) == ["created"]
    assert statuses(send(client, phone, log)) == ["unchanged"]
    rows = stored(db)
    assert len(rows) == 1 and rows[0]["id"] == log["id"] and rows[0]["rev"] == 1
    assert json.loads(rows[0]["steps_done"]) == log["steps_done"]
    assert rows[0]["content_hash"] and rows[0]["received_at"] and rows[0]["seq"] >= 1
    assert revisions(db) == []


def test_old_logs_with_retired_codes_still_sync(client, phone, db):
    """The form no longer asks for returnees or violence codes, but stored codes stay valid: an old
    log, or a phone not yet updated, is never rejected and nothing it holds is dropped."""
    log = make_log(
        returnees=3, themes=["violence-referral", "wages"], referrals={"violence-support": 1}
    )
    assert statuses(send(client, phone, log)) == ["created"]
    (row,) = stored(db)
    assert row["returnees"] == 3 and "violence-referral" in json.loads(row["themes"])
    assert json.loads(row["referrals"]) == {"violence-support": 1}


def test_edit_updates_and_keeps_the_old_revision(client, phone, db):
    log = make_log()
    send(client, phone, log)
    assert statuses(send(client, phone, {**log, "rev": 2, "participants": 15})) == ["updated"]
    assert statuses(send(client, phone, {**log, "rev": 3, "voided": True})) == ["updated"]
    (row,) = stored(db)
    assert (row["rev"], row["participants"], row["voided"]) == (3, 14, 1)
    kept = revisions(db)
    assert [(r["rev"], r["participants"], r["reason"]) for r in kept] == [
        (1, 14, "superseded"),
        (2, 15, "superseded"),
    ]
    assert row["seq"] > max(r["seq"] for r in kept)  # the change sequence only goes up


def test_lower_rev_is_stale_and_returns_the_current_record(client, phone, db):
    log = make_log()
    send(client, phone, log, {**log, "rev": 2, "notes": "edited on the phone"})
    response = send(client, phone, {**log, "notes": "an older edit"})
    (result,) = response.get_json()["results"]
    assert result["status"] == "stale"
    assert result["current"]["rev"] == 2 and result["current"]["notes"] == "edited on the phone"
    assert result["current"]["steps_done"] == log["steps_done"]  # lists as lists, like the phone's
    assert stored(db)[0]["rev"] == 2
    assert "an older edit" in [r["notes"] for r in revisions(db)]  # her copy is not lost


def test_same_rev_with_other_content_is_a_conflict_and_both_are_kept(client, phone, db):
    log = make_log()
    send(client, phone, log)
    other = {**log, "participants": 20}
    response = send(client, phone, other)
    (result,) = response.get_json()["results"]
    assert result["status"] == "conflict"
    assert result["current"]["participants"] == 14
    (row,) = stored(db)
    assert row["participants"] == 14 and row["conflict"] == 1
    assert [(r["participants"], r["reason"]) for r in revisions(db)] == [(20, "conflict")]
    assert statuses(send(client, phone, other)) == ["conflict"]  # resending adds nothing
    assert len(revisions(db)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": (today() + dt.timedelta(days=2)).isoformat()}, "held_on"),
        ({"held_on": "20-11-2026"}, "held_on"),
        ({"colour": "red"}, "colour"),
        ({"participant_names": ["A"]}, "participant_names"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": "75"}, "minutes"),
        ({"participants": 501}, "participants"),
        ({"returnees": 15}, "returnees"),
        ({"guide": "no-such-guide"}, "guide"),
        ({"lang": "fr"}, "lang"),
        ({"district": "Lahore"}, "district"),  # a Pakistani district for a Nepali facilitator
        ({"venue_type": "market"}, "venue_type"),
        ({"steps_done": ["welcome", "no-such-step"]}, "steps_done"),
        ({"themes": ["wages", "wages"]}, "themes"),
        ({"themes": ["astrology"]}, "themes"),
        ({"requested": ["no-such-guide"]}, "requested"),
        ({"referrals": {"lawyer-friend": 1}}, "referrals"),
        ({"referrals": {"legal-aid": -1}}, "referrals"),
        ({"notes": "x" * 2001}, "notes"),
        ({"market_info": 5}, "market_info"),
        ({"voided": "no"}, "voided"),
        ({"rev": 0}, "rev"),
        ({"id": "not-a-uuid"}, "id"),
    ],
)
def test_invalid_record_names_the_field_and_stores_nothing(client, phone, db, changes, field):
    log = make_log(**changes)
    (result,) = send(client, phone, log).get_json()["results"]
    assert result["status"] == "invalid"
    assert field in result["errors"] and result["errors"][field]
    assert stored(db) == []


def test_tomorrow_is_allowed_for_phones_with_a_wrong_clock(client, phone):
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    assert statuses(send(client, phone, make_log(held_on=tomorrow))) == ["created"]


def test_missing_required_field_says_required(client, phone):
    log = make_log()
    del log["district"]
    (result,) = send(client, phone, log).get_json()["results"]
    assert result["status"] == "invalid" and "required" in result["errors"]["district"]


def test_optional_fields_may_be_left_out(client, phone, db):
    log = make_log()
    for name in ("returnees", "steps_done", "themes", "requested", "referrals", "notes"):
        del log[name]
    assert statuses(send(client, phone, log)) == ["created"]
    assert stored(db)[0]["returnees"] is None


def test_configured_themes_extend_the_vocabulary(make_app):
    app = make_app(THEMES=["climate-work"])
    client = app.test_client()
    phone = enrol(app, client)
    assert statuses(send(client, phone, make_log(themes=["climate-work", "wages"]))) == ["created"]


def test_one_invalid_record_does_not_stop_the_valid_ones(client, phone, db):
    good1, bad, good2 = make_log(), make_log(minutes=9000), make_log()
    response = send(client, phone, good1, bad, good2)
    results = response.get_json()["results"]
    assert [(r["id"], r["status"]) for r in results] == [
        (good1["id"], "created"),
        (bad["id"], "invalid"),
        (good2["id"], "created"),
    ]
    assert {row["id"] for row in stored(db)} == {good1["id"], good2["id"]}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'["a list"]',
        b'{"records": {"id": "x"}}',
        b'{"records": "none"}',
        b'{"app_version": "0.1.0"}',
        b'{"records": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
)
def test_malformed_request_is_400_and_stores_nothing(client, phone, db, body):
    response = client.post(
        SYNC,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {phone['token']}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert stored(db) == []


def test_a_record_that_is_not_an_object_rejects_the_whole_batch(client, phone, db):
    response = send(client, phone, make_log(), "not a log", make_log())
    assert response.status_code == 400
    assert "2" in response.get_json()["error"]  # which one
    assert stored(db) == []


def test_missing_and_unknown_tokens_are_401(client, phone, db):
    response = client.post(SYNC, json={"records": [make_log()]})
    assert response.status_code == 401
    assert "enrol" in response.get_json()["error"].lower()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = send(client, {"token": "made-up"}, make_log())
    assert response.status_code == 401
    assert stored(db) == []


def test_revoked_device_is_403_with_what_to_do(client, phone, db):
    revoke_device(db, phone["device_id"])
    response = send(client, phone, make_log())
    assert response.status_code == 403
    assert "new enrolment code" in response.get_json()["error"]
    assert stored(db) == []


def test_more_than_200_records_is_413(client, phone, db):
    response = send(client, phone, *[make_log() for _ in range(201)])
    assert response.status_code == 413
    assert "200" in response.get_json()["error"]
    assert stored(db) == []


def test_more_than_one_megabyte_is_413(client, phone, db):
    padding = "x" * (1024 * 1024)
    response = send(client, phone, make_log(), padding=padding)
    assert response.status_code == 413
    assert stored(db) == []


def test_200_records_of_maximum_size_fit(client, phone, db):
    logs = [make_log(notes="n" * 1000, market_info="m" * 1000) for _ in range(200)]
    assert statuses(send(client, phone, *logs)) == ["created"] * 200
    assert len(stored(db)) == 200


def test_device_and_facilitator_come_from_the_token_not_the_body(app, client, phone, db):
    other = enrol(app, client, name="Somebody Else")
    log = make_log(device_id=other["device_id"], facilitator_id=other["facilitator"]["id"])
    assert statuses(send(client, phone, log)) == ["created"]
    (row,) = stored(db)
    assert row["device_id"] == phone["device_id"]
    assert row["facilitator_id"] == phone["facilitator"]["id"]


def test_a_phone_cannot_overwrite_another_facilitators_log(app, client, phone, db):
    log = make_log()
    send(client, phone, log)
    intruder = enrol(app, client, name="Somebody Else")
    (result,) = send(client, intruder, {**log, "rev": 5, "notes": "x"}).get_json()["results"]
    assert result["status"] == "invalid" and "id" in result["errors"]
    assert stored(db)[0]["rev"] == 1


def test_same_log_twice_in_one_batch(client, phone, db):
    log = make_log()
    response = send(client, phone, log, {**log, "rev": 2, "notes": "b"}, log)
    assert statuses(response) == ["created", "updated", "stale"]
    assert stored(db)[0]["rev"] == 2
    assert [r["rev"] for r in revisions(db)] == [1]


def test_district_list_follows_the_facilitators_country(app, client, db):
    pakistan = enrol(app, client, name="Nasreen Akhtar", country="PK")
    assert statuses(send(client, pakistan, make_log(district="Lahore", lang="ur"))) == ["created"]
    response = send(client, pakistan, make_log(district="Sindhupalchok"))
    assert statuses(response) == ["invalid"]


def test_hub_token_relays_the_original_ids(client, phone, db):
    hub_id = str(uuid.uuid4())
    db["hubs"].insert(
        {"id": hub_id, "name": "Resource centre", "token_hash": hash_secret("hub-token")}
    )
    log = make_log(device_id=phone["device_id"], facilitator_id=phone["facilitator"]["id"])
    # A hub relays only the facilitators it registered.
    (refused,) = send(client, {"token": "hub-token"}, log).get_json()["results"]
    assert refused["status"] == "invalid" and "facilitator_id" in refused["errors"]
    assert stored(db) == []
    db["facilitators"].update(phone["facilitator"]["id"], {"hub_id": hub_id})
    # ... and only the phones it registered for her.
    (refused,) = send(client, {"token": "hub-token"}, log).get_json()["results"]
    assert refused["status"] == "invalid" and "device_id" in refused["errors"]
    assert stored(db) == []
    db["devices"].update(phone["device_id"], {"hub_id": hub_id})
    assert statuses(send(client, {"token": "hub-token"}, log)) == ["created"]
    (row,) = stored(db)
    assert row["device_id"] == phone["device_id"] and row["relayed_by"]
    del log["device_id"]
    (result,) = send(client, {"token": "hub-token"}, {**log, "rev": 2}).get_json()["results"]
    assert result["status"] == "invalid" and "device_id" in result["errors"]


def test_messages_are_in_the_phones_language(client, phone):
    log = make_log(held_on="2099-01-01")
    english = send(client, phone, log, lang="en").get_json()["results"][0]["errors"]["held_on"]
    nepali = send(client, phone, log, lang="ne").get_json()["results"][0]["errors"]["held_on"]
    urdu = send(client, phone, log, lang="ur").get_json()["results"][0]["errors"]["held_on"]
    assert "future" in english
    assert any("\u0900" <= char <= "\u097f" for char in nepali)
    assert any("\u0600" <= char <= "\u06ff" for char in urdu)
    response = client.post(SYNC, json={"records": []}, headers={"Accept-Language": "ur"})
    assert any("\u0600" <= char <= "\u06ff" for char in response.get_json()["error"])


def test_storage_failure_is_503_and_nothing_is_acknowledged(client, phone, db, monkeypatch):
    def locked(*_args, **_kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr("toolkit.api.ingest", locked)
    response = send(client, phone, make_log())
    assert response.status_code == 503
    assert "nothing was saved" in response.get_json()["error"]
    assert "results" not in response.get_json()


def test_fault_fail_before_answers_500_and_stores_nothing(app, client, phone, db):
    install_faults(app, ["fail-before"])
    log = make_log()
    assert send(client, phone, log).status_code == 500
    assert stored(db) == []
    assert statuses(send(client, phone, log)) == ["created"]  # the retry


def test_fault_drop_after_commit_then_retry_is_unchanged(app, phone, db):
    """Over a real socket: the answer is lost after the commit; the retry finds the log stored."""
    install_faults(app, ["drop-after-commit"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    log = make_log()
    body = json.dumps({"records": [log]})
    headers = {"Authorization": f"Bearer {phone['token']}", "Content-Type": "application/json"}

    def post():
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        try:
            connection.request("POST", SYNC, body=body, headers=headers)
            return json.loads(connection.getresponse().read())
        finally:
            connection.close()

    try:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            post()
        assert [r["status"] for r in post()["results"]] == ["unchanged"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert len(stored(db)) == 1


def test_api_works_with_csrf_protection_on(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    phone = enrol(app, client)
    assert statuses(send(client, phone, make_log())) == ["created"]


def test_health_reports_versions(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["app_version"] and len(body["content_version"]) == 12
    assert response.headers["Cache-Control"] == "no-store"
