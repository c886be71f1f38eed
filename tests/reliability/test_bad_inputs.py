"""A corpus of hostile inputs against a real gunicorn (gunicorn.conf.py, 2 workers, production config).

Every JSON endpoint (sync, enrol, hub people, the unsent-logs import) gets every kind of JSON value
at every position: each answer is a clear 4xx (a JSON `error`, or the form's message) or, for a bad
record inside a well-formed batch, an `invalid` result naming the field (DESIGN.md "Sync protocol")
while the good records beside it are stored exactly once. Never a 5xx. The whole database is
compared before and after each input (every row of every table, tests/reliability/conftest.py
`snapshot`): nothing of a rejected input is ever stored. A Hypothesis test sends arbitrary JSON values
in every field. The app runs with CSRF protection on, as in production.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import new_app
from toolkit.coordinator import create_coordinator
from toolkit.db import connect, init_db
from toolkit.enrolment import create_facilitator, exchange_code, issue_code, revoke_device
from toolkit.hub.registry import create_hub
from toolkit.sync.record import CLIENT_FIELDS
from toolkit.vocabulary import DISTRICTS

from .conftest import Browser, Server, enrol, make_log, snapshot, today

SYNC = "/api/v1/sync"
ENROL = "/api/v1/enrol"
PEOPLE = "/api/v1/hub/people"
IMPORT = "/coordinator/import"
LOGIN = "/coordinator/login"
PASSWORD = "a long enough password"


@dataclasses.dataclass
class World:
    server: Server
    database: str
    token: str
    revoked_token: str
    hub_token: str
    facilitator_id: str
    codes: dict[str, str]
    coordinator: Browser


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    directory = tmp_path_factory.mktemp("bad-inputs")
    database = str(directory / "bad.sqlite")
    init_db(database)
    db = connect(database)
    sita = create_facilitator(db, "Sita Tamang", "NP")
    token = enrol(db, sita["id"]).token
    used, _ = issue_code(db, sita["id"])
    exchange_code(db, used)
    revoked = enrol(db, sita["id"])
    revoke_device(db, revoked.device_id)
    expired, _ = issue_code(db, sita["id"], now=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    create_coordinator(db, "admin", PASSWORD, role="admin")
    _, hub_token = create_hub(db, "Sindhupalchok centre")
    db.conn.close()
    server = Server(directory, database, workers=2)
    server.start(
        ENROL_RATE_LIMIT="100000 per minute",  # the limits have tests of their own
        LOGIN_RATE_LIMIT="100000 per minute",
        SESSION_COOKIE_SECURE=False,  # plain HTTP on 127.0.0.1
    )
    coordinator = Browser(server)
    coordinator.login("admin", PASSWORD)
    yield World(
        server,
        database,
        token,
        revoked.token,
        hub_token,
        sita["id"],
        {"used": used, "expired": expired},
        coordinator,
    )
    server.kill()


def log_ids(database: str) -> list[str]:
    """Every stored log id (a list: a duplicate would show twice)."""
    db = connect(database)
    try:
        return [row[0] for row in db.execute("SELECT id FROM session_logs")]
    finally:
        db.conn.close()


def without_sync_times(tables: dict) -> dict:
    """The snapshot with what an accepted batch legitimately changes masked: devices' last_sync_at,
    the change counter and the report rollup."""
    db_columns = ("id", "facilitator_id", "token_hash", "created_at", "last_sync_at")
    out = dict(tables)
    out.pop("counters", None)
    # The report rollup counts the stored logs (kept exact by triggers, tested in test_reports.py):
    # an accepted log changes it by design.
    out.pop("report_rollup", None)
    if "devices" in out:
        at = db_columns.index("last_sync_at")
        out["devices"] = [row[:at] + row[at + 1 :] for row in out["devices"]]
    return out


def assert_only_these_logs_added(before: dict, after: dict, ids: set[str]) -> None:
    """Between two snapshots: exactly the logs `ids` were added, each once; nothing else changed."""
    old = set(before["session_logs"])
    added = [row for row in after["session_logs"] if row not in old]
    assert old <= set(after["session_logs"]), "a stored log was changed"
    assert sorted(row[0] for row in added) == sorted(ids)
    rest_before = {k: v for k, v in without_sync_times(before).items() if k != "session_logs"}
    rest_after = {k: v for k, v in without_sync_times(after).items() if k != "session_logs"}
    assert rest_after == rest_before


def assert_no_server_error(status: int, what: str) -> None:
    assert status < 500, f"{what}: answered {status}"


# --- 1. whole requests to the API: a 4xx with a JSON message ---------------------------------------

AUTH = object()  # stands for the phone's valid Authorization header
NESTED = b'{"records": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
TOO_BIG = b'{"records": [{"notes": "' + b"x" * (2 * 1024 * 1024) + b'"}]}'

REQUESTS = {
    "no token": ("POST", SYNC, {"records": []}, {}, 401),
    "unknown token": ("POST", SYNC, {"records": []}, {"Authorization": "Bearer nope"}, 401),
    "basic auth instead of a token": (
        "POST", SYNC, {"records": []}, {"Authorization": "Basic YWRtaW46YWRtaW4="}, 401),
    "token with SQL injection": (
        "POST", SYNC, {"records": []}, {"Authorization": "Bearer ' OR 1=1 --"}, 401),
    "revoked token": ("POST", SYNC, {"records": []}, "revoked", 403),
    "malformed JSON": ("POST", SYNC, b'{"records": [', AUTH, 400),
    "empty body": ("POST", SYNC, b"", AUTH, 400),
    "not UTF-8": ("POST", SYNC, b'{"records": ["\xff\xfe"]}', AUTH, 400),
    "a list, not an object": ("POST", SYNC, [], AUTH, 400),
    "records is an object": ("POST", SYNC, {"records": {}}, AUTH, 400),
    "records is missing": ("POST", SYNC, {"logs": []}, AUTH, 400),
    "a record is a number": ("POST", SYNC, {"records": [make_log(), 1]}, AUTH, 400),
    "a record is a string": ("POST", SYNC, {"records": ["DROP TABLE session_logs"]}, AUTH, 400),
    "app_version is a number": ("POST", SYNC, {"records": [], "app_version": 1}, AUTH, 400),
    "JSON nested 100,000 deep": ("POST", SYNC, NESTED, AUTH, 400),
    "201 records": ("POST", SYNC, {"records": [make_log() for _ in range(201)]}, AUTH, 413),
    "2 MB body": ("POST", SYNC, TOO_BIG, AUTH, 413),
    "GET on the sync endpoint": ("GET", SYNC, None, AUTH, 405),
    "enrol: code malformed": ("POST", ENROL, {"code": "abc"}, {}, 400),
    "enrol: code unknown": ("POST", ENROL, {"code": "ACDE-FGHJ"}, {}, 400),
    "enrol: code used": ("POST", ENROL, {"code": "used"}, {}, 400),
    "enrol: code expired": ("POST", ENROL, {"code": "expired"}, {}, 400),
    "enrol: code is a number": ("POST", ENROL, {"code": 12345678}, {}, 400),
    "enrol: code missing": ("POST", ENROL, {}, {}, 400),
    "enrol: code with SQL injection": ("POST", ENROL, {"code": "' OR 1=1; --"}, {}, 400),
    "enrol: code with HTML": ("POST", ENROL, {"code": "<script>alert(1)</script>"}, {}, 400),
    "enrol: 2 MB body": ("POST", ENROL, TOO_BIG, {}, 413),
    "enrol: malformed JSON": ("POST", ENROL, b'{"code": ', {}, 400),
    "people: a phone's token": ("POST", PEOPLE, {"facilitators": []}, AUTH, 403),
    "people: no token": ("POST", PEOPLE, {"facilitators": []}, {}, 401),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REQUESTS), ids=list(REQUESTS))
def test_bad_request_is_a_clear_4xx_and_stores_nothing(world, case):
    method, url, body, headers, status = REQUESTS[case]
    if headers is AUTH:
        headers = {"Authorization": f"Bearer {world.token}"}
    elif headers == "revoked":
        headers = {"Authorization": f"Bearer {world.revoked_token}"}
    if isinstance(body, dict) and body.get("code") in world.codes:
        body = {"code": world.codes[body["code"]]}
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    before = snapshot(world.database)
    answer_status, _, answer = world.server.fetch(
        method,
        url,
        data,
        {**headers, "Content-Type": "application/json", "Accept-Language": "en"},
    )
    assert answer_status == status
    if status != 405:
        message = json.loads(answer)["error"]
        assert len(message) > 15 and "Traceback" not in message
    assert snapshot(world.database) == before
    assert world.server.fetch("GET", "/api/v1/health")[0] == 200  # still serving


# --- 2. bad records inside a well-formed batch: `invalid`, the good one beside it is stored --------


def days_ahead(days: int) -> str:
    return (today() + dt.timedelta(days=days)).isoformat()


RECORDS: dict[str, tuple[dict, str]] = {
    "minutes negative": ({"minutes": -5}, "minutes"),
    "minutes zero": ({"minutes": 0}, "minutes"),
    "minutes huge": ({"minutes": 10**20}, "minutes"),
    "minutes as text": ({"minutes": "75"}, "minutes"),
    "minutes as a fraction": ({"minutes": 75.5}, "minutes"),
    "minutes as a list": ({"minutes": [75]}, "minutes"),
    "participants true": ({"participants": True}, "participants"),
    "participants negative": ({"participants": -1}, "participants"),
    "participants over 500": ({"participants": 501}, "participants"),
    "returnees more than participants": ({"participants": 3, "returnees": 4}, "returnees"),
    "rev zero": ({"rev": 0}, "rev"),
    "rev as text": ({"rev": "1"}, "rev"),
    "rev huge": ({"rev": 2**63}, "rev"),
    "id not a uuid": ({"id": "../../etc/passwd"}, "id"),
    "id with SQL injection": ({"id": "1' OR '1'='1"}, "id"),
    "id with a trailing newline": ({"id": str(uuid.uuid4()) + "\n"}, "id"),
    "guide unknown": ({"guide": "no-such-guide"}, "guide"),
    "guide path traversal": ({"guide": "../../../etc/passwd"}, "guide"),
    "guide with HTML": ({"guide": "<img src=x onerror=alert(1)>"}, "guide"),
    "guide as a list": ({"guide": ["ng-agent"]}, "guide"),
    "guide as an object": ({"guide": {"slug": "ng-agent"}}, "guide"),
    "language unknown": ({"lang": "fr"}, "lang"),
    "language path traversal": ({"lang": "../en"}, "lang"),
    "language as a list": ({"lang": ["ne"]}, "lang"),
    "held_on not a day": ({"held_on": "2026-02-30"}, "held_on"),
    "held_on day first": ({"held_on": "20/11/2026"}, "held_on"),
    "held_on a number": ({"held_on": 20261120}, "held_on"),
    "held_on two days ahead": ({"held_on": days_ahead(2)}, "held_on"),
    "held_on next year": ({"held_on": days_ahead(365)}, "held_on"),
    "held_on before 2000": ({"held_on": "1999-12-31"}, "held_on"),
    "held_on in Devanagari digits": ({"held_on": "२०२६-११-२०"}, "held_on"),
    "held_on with a time": ({"held_on": f"{today().isoformat()}T10:00:00"}, "held_on"),
    "held_on with a trailing newline": ({"held_on": f"{today().isoformat()}\n"}, "held_on"),
    "district with SQL injection": (
        {"district": "Sindhupalchok'; DROP TABLE session_logs; --"}, "district"),
    "district of another country": ({"district": DISTRICTS["PK"][0]}, "district"),
    "district as a list": ({"district": ["Sindhupalchok"]}, "district"),
    "district as an object": ({"district": {}}, "district"),
    "venue with HTML": ({"venue_type": "<script>alert(1)</script>"}, "venue_type"),
    "venue as a list": ({"venue_type": ["home"]}, "venue_type"),
    "theme unknown": ({"themes": ["wages", "politics"]}, "themes"),
    "themes as text": ({"themes": "wages"}, "themes"),
    "theme twice": ({"themes": ["wages", "wages"]}, "themes"),
    "theme as a list in the list": ({"themes": [["wages"]]}, "themes"),
    "step not of this guide": ({"steps_done": ["welcome", "no-such-step"]}, "steps_done"),
    "requested guide unknown": ({"requested": ["../secret"]}, "requested"),
    "referral count negative": ({"referrals": {"legal-aid": -1}}, "referrals"),
    "referral type unknown": ({"referrals": {"police-informant": 1}}, "referrals"),
    "referrals as a list": ({"referrals": ["legal-aid"]}, "referrals"),
    "notes too long": ({"notes": "x" * 2001}, "notes"),
    "notes as a number": ({"notes": 12}, "notes"),
    "voided as text": ({"voided": "yes"}, "voided"),
    "created_at with markup": ({"created_at": "<b>x</b>"}, "created_at"),
    "updated_at not a time": ({"updated_at": "yesterday"}, "updated_at"),
    "unknown field (a participant's name)": ({"participant_names": ["Sita"]}, "participant_names"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(RECORDS), ids=list(RECORDS))
def test_bad_record_is_invalid_with_its_field_and_nothing_of_it_is_stored(world, case):
    changes, field = RECORDS[case]
    bad, good = make_log(**changes), make_log()
    before = snapshot(world.database)
    status, answer = world.server.post_json(SYNC, {"records": [bad, good]}, world.token)
    assert status == 200
    first, second = answer["results"]
    assert first["status"] == "invalid"
    assert field in first["errors"] and len(first["errors"][field]) > 5
    assert second["status"] == "created"
    assert_only_these_logs_added(before, snapshot(world.database), {good["id"]})


RAW_RECORDS: dict[str, tuple[str, str, str]] = {
    # Bodies json.dumps cannot write, as a phone's or an attacker's JSON can: (text, replacement, field)
    # applied to the first (bad) record only.
    "minutes 1e999 (infinity)": ('"minutes": 75', '"minutes": 1e999', "minutes"),
    "participants NaN": ('"participants": 14', '"participants": NaN', "participants"),
    "rev -Infinity": ('"rev": 1', '"rev": -Infinity', "rev"),
    "notes with half an emoji": ('"notes": ""', '"notes": "cut off here \\ud83d"', "notes"),
    "created_at with half an emoji": (
        '"created_at": "2026-11-20T10:00:00Z"',
        '"created_at": "\\ud83d"',
        "created_at",
    ),
    "district with half an emoji": (
        '"district": "Sindhupalchok"',
        '"district": "\\udc00"',
        "district",
    ),
    "an unknown field named with half an emoji": ('"notes": ""', '"\\ud83d": 1', "\ufffd"),
}


@pytest.mark.parametrize("case", list(RAW_RECORDS), ids=list(RAW_RECORDS))
def test_bad_raw_json_record_is_invalid_and_nothing_of_it_is_stored(world, case):
    text, replacement, field = RAW_RECORDS[case]
    bad, good = make_log(notes=""), make_log()
    body = json.dumps({"records": [bad, good]}, ensure_ascii=False)
    assert text in body
    body = body.replace(text, replacement, 1)
    before = snapshot(world.database)
    status, answer = world.server.post_json(SYNC, None, world.token, raw=body.encode())
    assert status == 200
    first, second = answer["results"]
    assert first["status"] == "invalid"
    assert field in first["errors"] or (field == "\ufffd" and "?" in first["errors"])
    assert second["status"] == "created"
    assert_only_these_logs_added(before, snapshot(world.database), {good["id"]})


def test_a_stored_log_sent_again_with_a_newline_after_its_id_is_not_stored_twice(world):
    """`$` matches before a final newline: "<uuid>\\n" used to pass and store a second copy."""
    log = make_log()
    assert (
        world.server.post_json(SYNC, {"records": [log]}, world.token)[1]["results"][0]["status"]
        == "created"
    )
    before = snapshot(world.database)
    for variant in (log["id"] + "\n", log["id"] + "\r\n", "\n" + log["id"], log["id"] + " "):
        status, answer = world.server.post_json(
            SYNC, {"records": [{**log, "id": variant}]}, world.token
        )
        assert status == 200
        assert (
            answer["results"][0]["status"] == "invalid" and "id" in answer["results"][0]["errors"]
        )
    assert snapshot(world.database) == before
    assert log_ids(world.database).count(log["id"]) == 1
    assert not [i for i in log_ids(world.database) if i.strip() != i]


# --- 3. every kind of JSON value at every position ------------------------------------------------


def nested(depth: int):
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


# Every type JSON has, and the values that broke servers before: each goes in every field.
HOSTILE: dict[str, object] = {
    "null": None,
    "true": True,
    "false": False,
    "zero": 0,
    "minus one": -1,
    "a fraction": 1.5,
    "a huge number": 10**30,
    "1e308": 1e308,
    "empty text": "",
    "a letter": "x",
    "a newline": "\n",
    "an id and a newline": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed\n",
    "markup": "<script>alert(1)</script>",
    "SQL": "'; DROP TABLE session_logs; --",
    "path": "../../etc/passwd",
    "5,000 letters": "x" * 5000,
    "half an emoji": "\ud83d",
    "an empty list": [],
    "a list of a number": [1],
    "a list of null": [None],
    "a list of text": ["wages"],
    "a list of lists": [[["x"]]],
    "an empty object": {},
    "an object": {"a": 1},
    "an object of objects": {"a": {"b": {"c": None}}},
    "nested 12 deep": nested(12),
}
# Fields where anything but text (a known code, a date, an id) must be `invalid`, naming the field.
TEXT_ONLY = ("id", "guide", "lang", "held_on", "district", "venue_type")
FIELDS = (*CLIENT_FIELDS, "participant_name")


def sync_batch_with_each_value_in(field: str) -> tuple[list[dict], dict]:
    """One record per hostile value in `field` (all else valid), and a good record last."""
    records = []
    for value in HOSTILE.values():
        record = make_log()
        record[field] = value
        records.append(record)
    return records, make_log()


@pytest.mark.parametrize("field", FIELDS)
def test_every_json_value_in_every_field_of_a_sync_record(world, field):
    records, good = sync_batch_with_each_value_in(field)
    before = snapshot(world.database)
    status, answer = world.server.post_json(SYNC, {"records": [*records, good]}, world.token)
    assert status == 200, answer
    results = answer["results"]
    assert len(results) == len(records) + 1 and results[-1]["status"] == "created"
    accepted = {good["id"]}
    for (name, value), record, result in zip(HOSTILE.items(), records, results, strict=False):
        assert result["status"] in ("created", "invalid"), (name, result)
        if result["status"] == "created":
            accepted.add(record["id"])
        else:
            assert result["errors"], name
        if field in TEXT_ONLY and not isinstance(value, str) and value is not None:
            assert result["status"] == "invalid" and field in result["errors"], name
    assert_only_these_logs_added(before, snapshot(world.database), accepted)


def import_file(records: list, **extra) -> bytes:
    return json.dumps({"records": records, "exported_at": "2026-11-20T10:00:00Z", **extra}).encode()


@pytest.mark.parametrize("field", FIELDS)
def test_every_json_value_in_every_field_of_an_imported_log(world, field):
    records, good = sync_batch_with_each_value_in(field)
    before = snapshot(world.database)
    status, _, page = world.coordinator.post_form(
        IMPORT, {"facilitator": world.facilitator_id}, {"file": import_file([*records, good])}
    )
    assert status == 200, page[-500:]
    stored = {good["id"]} | {
        record["id"] for record in records if isinstance(record.get("id"), str)
    }
    after = snapshot(world.database)
    new_ids = {row[0] for row in after["session_logs"]} - {row[0] for row in before["session_logs"]}
    assert good["id"] in new_ids and new_ids <= stored
    assert page.count("<td>stored</td>") == len(new_ids)  # one "stored" per log stored
    assert_only_these_logs_added(before, after, new_ids)


WHOLE_BODIES: dict[str, bytes] = {
    **{name: json.dumps(value).encode() for name, value in HOSTILE.items()},
    "nested 5,000 deep": b"[" * 5000 + b"]" * 5000,
    "an object nested 5,000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "records nested 5,000 deep": b'{"records": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "NaN": b"NaN",
    "a number of 5,000 digits": b"1" * 5000,
    "not JSON": b"records=1",
    "binary": bytes(range(256)),
    "UTF-16": json.dumps({"records": 5}).encode("utf-16"),
    "empty": b"",
}
ENDPOINTS = ("sync", "enrol", "people", "import")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("body", list(WHOLE_BODIES), ids=list(WHOLE_BODIES))
def test_every_json_value_as_the_whole_body_of_every_endpoint(world, endpoint, body):
    data = WHOLE_BODIES[body]
    before = snapshot(world.database)
    if endpoint == "import":
        status, _, page = world.coordinator.post_form(
            IMPORT, {"facilitator": world.facilitator_id}, {"file": data}
        )
        assert status == 400 and 'role="alert"' in page
    else:
        path, token = {
            "sync": (SYNC, world.token),
            "enrol": (ENROL, None),
            "people": (PEOPLE, world.hub_token),
        }[endpoint]
        status, answer = world.server.post_json(path, None, token, raw=data)
        assert_no_server_error(status, f"{endpoint} {body}")
        if status != 200:  # {} is an empty people request: nothing to store, nothing stored
            assert status in (400, 413, 429) and len(answer["error"]) > 15
        if "5,000 deep" in body:
            assert status == 400
    assert snapshot(world.database) == before


@pytest.mark.parametrize("endpoint", ("sync", "import"))
@pytest.mark.parametrize("value", list(HOSTILE), ids=list(HOSTILE))
def test_every_json_value_as_a_record_and_as_the_records(world, endpoint, value):
    """`records: [value]` (a record that is not a log) and `records: value`: a 400 naming it."""
    for body in ({"records": [HOSTILE[value]]}, {"records": HOSTILE[value]}):
        if (
            body["records"] == []
            or isinstance(body["records"], list)
            and all(isinstance(r, dict) for r in body["records"])
        ):
            continue  # a list of objects is a batch: the field tests above cover it
        before = snapshot(world.database)
        if endpoint == "sync":
            status, answer = world.server.post_json(SYNC, body, world.token)
            assert status == 400 and len(answer["error"]) > 15
        else:
            status, _, page = world.coordinator.post_form(
                IMPORT, {"facilitator": world.facilitator_id}, {"file": json.dumps(body).encode()}
            )
            assert status == 400 and "not a log" in page or "must be a list" in page
        assert snapshot(world.database) == before


@pytest.mark.parametrize("value", list(HOSTILE), ids=list(HOSTILE))
def test_every_json_value_as_the_enrolment_code(world, value):
    before = snapshot(world.database)
    status, answer = world.server.post_json(ENROL, {"code": HOSTILE[value]})
    assert status == 400 and len(answer["error"]) > 15
    assert snapshot(world.database) == before


@pytest.mark.parametrize("name", ("facilitator_id", "device_id"))
@pytest.mark.parametrize("value", list(HOSTILE), ids=list(HOSTILE))
def test_every_json_value_as_the_ids_of_an_unsent_logs_file(world, name, value):
    """The file names the phone's facilitator and device: any value there, the import still works."""
    good = make_log()
    before = snapshot(world.database)
    status, _, page = world.coordinator.post_form(
        IMPORT, {"facilitator": ""}, {"file": import_file([good], **{name: HOSTILE[value]})}
    )
    assert_no_server_error(status, f"import {name}={value}")
    after = snapshot(world.database)
    if name == "facilitator_id":  # not her id: the coordinator is asked to choose her
        assert status == 400 and "Choose the facilitator" in page
        assert after == before
    else:  # (no facilitator chosen and none in the file either)
        assert status == 400
        assert after == before


PERSON = {
    "facilitators": lambda: {
        "id": str(uuid.uuid4()),
        "name": "Maya Gurung",
        "country": "NP",
        "created_at": "2026-11-20T10:00:00Z",
    },
    "devices": lambda: {
        "id": str(uuid.uuid4()),
        "facilitator_id": HUB_FACILITATOR,
        "created_at": "2026-11-20T10:00:00Z",
        "revoked_at": None,
    },
}
HUB_FACILITATOR = str(uuid.uuid4())
PEOPLE_FIELDS = [
    ("facilitators", field) for field in ("id", "name", "country", "created_at", "extra")
] + [("devices", field) for field in ("id", "facilitator_id", "created_at", "revoked_at", "extra")]


@pytest.fixture(scope="module")
def hub_facilitator(world) -> str:
    """A facilitator the hub registered, for its devices."""
    person = {**PERSON["facilitators"](), "id": HUB_FACILITATOR, "name": "Hub facilitator"}
    status, _ = world.server.post_json(PEOPLE, {"facilitators": [person]}, world.hub_token)
    assert status == 200
    return HUB_FACILITATOR


@pytest.mark.parametrize("kind,field", PEOPLE_FIELDS, ids=[f"{k}.{f}" for k, f in PEOPLE_FIELDS])
def test_every_json_value_in_every_field_of_hub_people(world, hub_facilitator, kind, field):
    for name, value in HOSTILE.items():
        person = PERSON[kind]()
        person[field] = value
        before = snapshot(world.database)
        status, answer = world.server.post_json(PEOPLE, {kind: [person]}, world.hub_token)
        assert_no_server_error(status, f"{kind}.{field} = {name}")
        if status == 400:
            assert "number 1" in answer["error"], answer
            assert snapshot(world.database) == before, f"{kind}.{field} = {name}"
        else:  # a value that is right there (revoked_at null, an extra key): stored once
            assert status == 200 and answer[kind] == {"created": 1}, (name, answer)
            # names are free text (shown escaped, like every name)
            assert (
                field == "extra"
                or (field, value) == ("revoked_at", None)
                or (field == "name" and isinstance(value, str) and value.strip())
            ), name
            if field == "extra":
                continue
        if field in ("country", "created_at") and status == 400:
            assert field in answer["error"]


# --- 4. arbitrary JSON in every field (Hypothesis) -------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: the server's parser accepts them
    | st.text(st.characters(codec="utf-8") | st.sampled_from("\n\ud83d<>'\""), max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
# Each field holds a valid value or anything at all.
record_changes = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=len(FIELDS))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(changes=st.lists(record_changes, min_size=1, max_size=4))
def test_arbitrary_json_in_every_field_is_answered_and_good_records_are_stored_once(world, changes):
    records = [{**make_log(), **change} for change in changes]
    good = make_log()
    body = json.dumps({"records": [*records, good]}, allow_nan=True).encode()
    before = snapshot(world.database)
    status, answer = world.server.post_json(SYNC, None, world.token, raw=body)
    assert status == 200, answer
    results = answer["results"]
    assert [r["status"] for r in results][-1] == "created"
    accepted = {good["id"]}
    for record, result in zip(records, results, strict=False):
        assert result["status"] in ("created", "invalid", "unchanged", "stale", "conflict")
        if result["status"] == "created":
            accepted.add(record["id"])
    assert_only_these_logs_added(before, snapshot(world.database), accepted)
    ids = log_ids(world.database)
    assert len(ids) == len(set(ids))


# --- 5. URLs: the 404 page, never a file outside the app, never the input echoed as HTML -----------

URLS = [
    "/fr/",
    "/xx/guides/ng-agent",
    "/ne/guides/no-such-guide",
    "/ne/guides/NG-AGENT",
    "/ne/guides/..%2F..%2Fetc%2Fpasswd",
    "/ne/guides/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2ftoolkit%2fapi.py",
    "/static/../instance/config.py",
    "/ne/guides/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/ne/guides/ng-agent%00",
    "/ne/guides/ng-agent%0A",
    "/ne/guides/ng-agent'%20OR%20'1'='1",
    "/ne/guides/" + "a" * 3000,
    "/%F0%9F%92%A9/",
    "/%ff%fe/guides/ng-agent",
    "/ne/guides/ng-agent/handout.pdf?size=A9",
    "/ne/guides/no-such-guide/handout.pdf",
    "/ne/modules/no-such-module/booklet.pdf",
    "/ne/log/not-a-log-id",
    "/ne/log/1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed%0A",
    "/ne/log/..%2f..%2fetc%2fpasswd",
    "/ne/guides/no-such-guide/run",
]


@pytest.mark.parametrize("url", URLS, ids=[url[:60] for url in URLS])
def test_bad_url_is_a_clear_404(world, url):
    before = snapshot(world.database)
    status, _, body = world.server.fetch("GET", url)
    assert status == 404
    page = body.decode("utf-8", "replace")
    assert "root:" not in page and "SECRET_KEY" not in page and "import " not in page
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert snapshot(world.database) == before


# --- 6. coordinator forms: login abuse --------------------------------------------------------------

LOGINS = {
    "SQL injection in the user name": ({"username": "admin' --", "password": "x"}, 401),
    "SQL injection always-true": ({"username": "' OR '1'='1", "password": "' OR '1'='1"}, 401),
    "right user, wrong password": ({"username": "admin", "password": "wrong password"}, 401),
    "HTML in the user name": ({"username": "<script>alert(1)</script>", "password": "x"}, 401),
    "a newline after the user name": ({"username": "admin\n", "password": "x"}, 401),
    "5,000 letters": ({"username": "a" * 5000, "password": "b" * 5000}, (200, 401)),  # too long
    "no CSRF token": ({"username": "admin", "password": PASSWORD, "csrf_token": ""}, 400),
    "forged CSRF token": ({"username": "admin", "password": PASSWORD, "csrf_token": "forged"}, 400),
}  # fmt: skip


@pytest.mark.parametrize("case", list(LOGINS), ids=list(LOGINS))
def test_bad_login_is_refused_and_signs_nobody_in(world, case):
    form, status = LOGINS[case]
    browser = Browser(world.server)
    before = snapshot(world.database)
    answer_status, _, page = browser.post_form(LOGIN, form)
    assert answer_status in (status if isinstance(status, tuple) else (status,))
    assert "<script>alert(1)" not in page
    dashboard_status, headers, _ = browser.request("GET", "/coordinator/")
    assert dashboard_status == 302 and "/coordinator/login" in headers["Location"]
    assert snapshot(world.database) == before


def test_the_corpus_is_at_least_three_hundred_inputs():
    per_field = len(FIELDS) * len(HOSTILE)  # sync records, and again imported logs
    total = (
        len(REQUESTS)
        + len(RECORDS)
        + len(RAW_RECORDS)
        + 2 * per_field
        + len(WHOLE_BODIES) * len(ENDPOINTS)
        + 2 * 2 * len(HOSTILE)  # records: [value] and records: value, sync and import
        + len(HOSTILE)  # enrolment codes
        + 2 * len(HOSTILE)  # ids of an unsent-logs file
        + len(PEOPLE_FIELDS) * len(HOSTILE)
        + len(URLS)
        + len(LOGINS)
    )
    print(f"{total} hostile inputs")
    assert total >= 300


# --- 7. login limits, in-process ------------------------------------------------------------------


def coordinator_client(tmp_path, **config):
    """An in-process app with one admin coordinator, and its test client."""
    app = new_app(tmp_path / "coordinator", WTF_CSRF_ENABLED=False, **config)
    db = connect(app.config["DATABASE"])
    create_coordinator(db, "admin", PASSWORD, role="admin")
    db.conn.close()
    return app.test_client()


def test_login_guessing_is_stopped_with_429(tmp_path):
    client = coordinator_client(tmp_path)
    answers = [
        client.post(LOGIN, data={"username": "admin", "password": f"guess {n}"}).status_code
        for n in range(12)
    ]
    assert answers[:10] == [401] * 10
    assert answers[10:] == [429, 429]
    # Even the right password is refused while the limit lasts: guessing cannot go on.
    response = client.post(LOGIN, data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/coordinator/").status_code == 302


def test_the_corpus_is_at_least_forty_inputs():
    total = len(REQUESTS) + len(RECORDS) + len(RAW_RECORDS) + len(URLS) + len(LOGINS) + 1
    assert total >= 40


def test_behind_a_proxy_guessing_locks_out_the_guesser_not_everyone(tmp_path):
    """With TRUSTED_PROXIES (docs/DEPLOY.md), limits count per client address, not per proxy."""
    client = coordinator_client(tmp_path, LOGIN_RATE_LIMIT="3 per 5 minutes", TRUSTED_PROXIES=1)
    guesser = {"X-Forwarded-For": "203.0.113.5"}
    answers = [
        client.post(LOGIN, data={"username": "admin", "password": "guess"}, headers=guesser)
        for _ in range(4)
    ]
    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    response = client.post(
        LOGIN,
        data={"username": "admin", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},  # a coordinator in another office
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/")
