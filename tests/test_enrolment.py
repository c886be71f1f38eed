"""Enrolment: facilitators, one-time expiring codes, device tokens, and the commands."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from toolkit.db import connect
from toolkit.enrolment import (
    CODE_ALPHABET,
    FacilitatorError,
    create_facilitator,
    issue_code,
    revoke_device,
)

ENROL = "/api/v1/enrol"
CODE_LINE = re.compile(rf"^code: ([{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}})$", re.MULTILINE)


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.conn.close()


@pytest.fixture
def sita(db):
    return create_facilitator(db, "Sita Tamang", "NP")


def test_code_gives_a_device_token_once(client, db, sita):
    code, _ = issue_code(db, sita["id"])
    response = client.post(ENROL, json={"code": code})
    assert response.status_code == 200
    body = response.get_json()
    assert body["facilitator"] == {"id": sita["id"], "name": "Sita Tamang", "country": "NP"}
    assert body["token"] and body["device_id"]
    again = client.post(ENROL, json={"code": code})
    assert again.status_code == 400
    assert "already been used" in again.get_json()["error"]
    assert db["devices"].count == 1


def test_code_may_be_typed_in_lower_case_with_spaces(client, db, sita):
    code, _ = issue_code(db, sita["id"])
    typed = f" {code.lower().replace('-', ' ')} "
    assert client.post(ENROL, json={"code": typed}).status_code == 200


def test_expired_code_is_refused(client, db, sita):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=4)
    code, _ = issue_code(db, sita["id"], hours=72, now=long_ago)
    response = client.post(ENROL, json={"code": code})
    assert response.status_code == 400
    assert "expired" in response.get_json()["error"]
    assert db["devices"].count == 0


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("ACDE-FGHJ", "not right"),  # well formed, never issued
        ("ABC", "8 letters and digits"),
        ("0000-0000", "8 letters and digits"),  # 0 is not in the alphabet
    ],
)
def test_wrong_code_says_what_to_do(client, sita, code, words):
    response = client.post(ENROL, json={"code": code})
    assert response.status_code == 400
    assert words in response.get_json()["error"]


def test_missing_code_is_400(client):
    response = client.post(ENROL, json={"kode": "x"})
    assert response.status_code == 400 and "code" in response.get_json()["error"]


def test_wrong_code_message_in_nepali(client, sita):
    response = client.post(ENROL, json={"code": "ACDE-FGHJ"}, headers={"Accept-Language": "ne"})
    assert any("\u0900" <= char <= "\u097f" for char in response.get_json()["error"])


def test_codes_and_tokens_are_stored_only_as_hashes(client, db, sita):
    code, _ = issue_code(db, sita["id"])
    token = client.post(ENROL, json={"code": code}).get_json()["token"]
    dump = "\n".join(db.conn.iterdump())
    assert code.replace("-", "") not in dump and code not in dump
    assert token not in dump


def test_revoked_device_can_no_longer_sync(client, db, sita):
    code, _ = issue_code(db, sita["id"])
    body = client.post(ENROL, json={"code": code}).get_json()
    assert revoke_device(db, body["device_id"])
    response = client.post(
        "/api/v1/sync", json={"records": []}, headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert response.status_code == 403


def test_facilitator_needs_a_known_country_and_a_unique_name(db, sita):
    with pytest.raises(FacilitatorError):
        create_facilitator(db, "Someone", "IN")
    with pytest.raises(FacilitatorError, match="already exists"):
        create_facilitator(db, "sita  tamang", "NP")
    other = create_facilitator(db, "Nasreen Akhtar", "pk")
    assert other["country"] == "PK" and len(other["id"]) == 36


def test_cli_create_facilitator_then_enrol_prints_a_working_code(runner, client):
    result = runner.invoke(args=["create-facilitator", "Nasreen Akhtar", "--country", "PK"])
    assert result.exit_code == 0, result.output
    assert "Nasreen Akhtar (PK)" in result.output
    result = runner.invoke(
        args=["enrol", "Nasreen Akhtar", "--base-url", "https://hub.example.org/"]
    )
    assert result.exit_code == 0, result.output
    code = CODE_LINE.search(result.output).group(1)
    assert f"https://hub.example.org/ur/enrol#code={code}" in result.output  # Pakistan: Urdu
    assert "\u2588" in result.output  # the QR code, drawn with block characters
    response = client.post(ENROL, json={"code": code})
    assert response.status_code == 200
    assert response.get_json()["facilitator"]["name"] == "Nasreen Akhtar"


def test_cli_enrol_language_option(runner):
    runner.invoke(args=["create-facilitator", "Sita Tamang", "--country", "NP"])
    result = runner.invoke(args=["enrol", "Sita Tamang", "--lang", "en"])
    assert result.exit_code == 0
    assert re.search(r"/en/enrol#code=[A-Z0-9]{4}-[A-Z0-9]{4}", result.output)


def test_cli_enrol_unknown_name_says_how_to_add_her(runner):
    result = runner.invoke(args=["enrol", "Nobody Here"])
    assert result.exit_code != 0
    assert "create-facilitator" in result.output


def test_cli_create_facilitator_refuses_an_unknown_country(runner):
    result = runner.invoke(args=["create-facilitator", "Someone", "--country", "IN"])
    assert result.exit_code != 0


def test_demo_data_makes_two_facilitators_and_logs_once(runner, db):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert len(CODE_LINE.findall(first.output)) == 2
    countries = sorted(row["country"] for row in db.query("SELECT country FROM facilitators"))
    assert countries == ["NP", "PK"]
    logs = db["session_logs"].count
    assert 35 <= logs <= 45
    assert db["session_log_revisions"].count > 0  # some demo logs were edited after syncing
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0, second.output
    assert db["session_logs"].count == logs
    assert db["facilitators"].count == 2
    held = [row["held_on"] for row in db.query("SELECT held_on FROM session_logs")]
    oldest = (dt.datetime.now(dt.UTC) - dt.timedelta(days=125)).date().isoformat()
    assert min(held) >= oldest


def test_guessing_codes_is_stopped_with_a_clear_message(make_app):
    app = make_app(ENROL_RATE_LIMIT="3 per hour")
    client = app.test_client()
    for _ in range(3):
        assert client.post(ENROL, json={"code": "ACDE-FGHJ"}).status_code == 400
    response = client.post(ENROL, json={"code": "ACDE-FGHJ"})
    assert response.status_code == 429
    assert "Wait ten minutes" in response.get_json()["error"]


def test_codes_stored_as_plain_sha256_before_the_upgrade_stop_working(tmp_path):
    """Migration m005: a code issued by 0.1.0 (unsalted SHA-256) answers "expired", never "unknown"."""
    import hashlib

    from toolkit.migrations import migrate, migrations

    db = connect(str(tmp_path / "old.sqlite"))
    migrations.apply(db, stop_before="m005_audit_and_coordinator_sessions")
    sita = create_facilitator(db, "Sita Tamang", "NP")
    db["enrolments"].insert(
        {
            "code_hash": hashlib.sha256(b"ACDEFGHJ").hexdigest(),
            "facilitator_id": sita["id"],
            "created_at": "2026-11-30T10:00:00+00:00",
            "expires_at": "2099-01-01T00:00:00+00:00",
        }
    )
    migrate(db)
    [row] = db["enrolments"].rows
    assert row["expires_at"] == row["created_at"]
    code, _ = issue_code(db, sita["id"])
    from toolkit.enrolment import exchange_code

    assert exchange_code(db, code).device_id  # new codes work
