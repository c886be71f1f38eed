"""A corpus of bad inputs across the API, the forms and the URLs.

Each answer is a clear 4xx (a JSON `error` naming what to fix, or the HTML error page), or, for a bad
record inside a well-formed batch, an `invalid` result naming the field (DESIGN.md "Sync protocol")
while the good record beside it is stored. Every table's row count is taken before and after each
input: nothing of a bad input is ever stored. The app runs with CSRF protection on, as in production.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3

import pytest

from toolkit import create_app
from toolkit.coordinator import create_coordinator
from toolkit.db import connect, init_db
from toolkit.enrolment import create_facilitator, exchange_code, issue_code, revoke_device
from toolkit.vocabulary import DISTRICTS

from .conftest import make_log, today

SYNC = "/api/v1/sync"
ENROL = "/api/v1/enrol"
LOGIN = "/coordinator/login"
PASSWORD = "a long enough password"


@dataclasses.dataclass
class World:
    app: object
    database: str
    token: str
    revoked_token: str
    codes: dict[str, str]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    directory = tmp_path_factory.mktemp("bad-inputs")
    database = str(directory / "bad.sqlite")
    init_db(database)
    db = connect(database)
    sita = create_facilitator(db, "Sita Tamang", "NP")
    code, _ = issue_code(db, sita["id"])
    token = exchange_code(db, code).token
    used, _ = issue_code(db, sita["id"])
    exchange_code(db, used)
    code, _ = issue_code(db, sita["id"])
    revoked = exchange_code(db, code)
    revoke_device(db, revoked.device_id)
    expired, _ = issue_code(db, sita["id"], now=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    create_coordinator(db, "admin", PASSWORD, role="admin")
    db.conn.close()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": database,
            "SECRET_KEY": "test",
            "ENROL_RATE_LIMIT": "1000 per minute",  # the limit has its own test below
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    return World(app, database, token, revoked.token, {"used": used, "expired": expired})


def row_counts(database: str) -> dict[str, int]:
    conn = sqlite3.connect(database)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if row[0] != "audit_log"  # a refused sign-in is recorded there (toolkit/audit.py)
        ]
        return {
            table: conn.execute(f"SELECT COUNT(*) FROM [{table}]").fetchone()[0] for table in tables
        }
    finally:
        conn.close()


def log_ids(database: str) -> set[str]:
    conn = sqlite3.connect(database)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM session_logs")}
    finally:
        conn.close()


# --- 1. whole requests to the API: a 4xx with a JSON message ---------------------------------------

AUTH = object()  # stands for the phone's valid Authorization header
NESTED = b'{"records": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
TEN_MB = b'{"records": [{"notes": "' + b"x" * (10 * 1024 * 1024) + b'"}]}'

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
    "10 MB body": ("POST", SYNC, TEN_MB, AUTH, 413),
    "GET on the sync endpoint": ("GET", SYNC, None, AUTH, 405),
    "enrol: code malformed": ("POST", ENROL, {"code": "abc"}, {}, 400),
    "enrol: code unknown": ("POST", ENROL, {"code": "ACDE-FGHJ"}, {}, 400),
    "enrol: code used": ("POST", ENROL, {"code": "used"}, {}, 400),
    "enrol: code expired": ("POST", ENROL, {"code": "expired"}, {}, 400),
    "enrol: code is a number": ("POST", ENROL, {"code": 12345678}, {}, 400),
    "enrol: code missing": ("POST", ENROL, {}, {}, 400),
    "enrol: code with SQL injection": ("POST", ENROL, {"code": "' OR 1=1; --"}, {}, 400),
    "enrol: code with HTML": ("POST", ENROL, {"code": "<script>alert(1)</script>"}, {}, 400),
    "enrol: 10 MB body": ("POST", ENROL, TEN_MB, {}, 413),
    "enrol: malformed JSON": ("POST", ENROL, b'{"code": ', {}, 400),
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
    before = row_counts(world.database)
    response = world.app.test_client().open(
        url,
        method=method,
        data=data,
        headers={**headers, "Content-Type": "application/json", "Accept-Language": "en"},
    )
    assert response.status_code == status
    if status != 405:
        message = response.get_json()["error"]
        assert len(message) > 15 and "Traceback" not in message
    assert row_counts(world.database) == before
    assert world.app.test_client().get("/api/v1/health").status_code == 200  # still serving


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
    "guide unknown": ({"guide": "no-such-guide"}, "guide"),
    "guide path traversal": ({"guide": "../../../etc/passwd"}, "guide"),
    "guide with HTML": ({"guide": "<img src=x onerror=alert(1)>"}, "guide"),
    "language unknown": ({"lang": "fr"}, "lang"),
    "language path traversal": ({"lang": "../en"}, "lang"),
    "held_on not a day": ({"held_on": "2026-02-30"}, "held_on"),
    "held_on day first": ({"held_on": "20/11/2026"}, "held_on"),
    "held_on a number": ({"held_on": 20261120}, "held_on"),
    "held_on two days ahead": ({"held_on": days_ahead(2)}, "held_on"),
    "held_on next year": ({"held_on": days_ahead(365)}, "held_on"),
    "held_on before 2000": ({"held_on": "1999-12-31"}, "held_on"),
    "held_on in Devanagari digits": ({"held_on": "२०२६-११-२०"}, "held_on"),
    "held_on with a time": ({"held_on": f"{today().isoformat()}T10:00:00"}, "held_on"),
    "district with SQL injection": (
        {"district": "Sindhupalchok'; DROP TABLE session_logs; --"}, "district"),
    "district of another country": ({"district": DISTRICTS["PK"][0]}, "district"),
    "venue with HTML": ({"venue_type": "<script>alert(1)</script>"}, "venue_type"),
    "theme unknown": ({"themes": ["wages", "politics"]}, "themes"),
    "themes as text": ({"themes": "wages"}, "themes"),
    "theme twice": ({"themes": ["wages", "wages"]}, "themes"),
    "step not of this guide": ({"steps_done": ["welcome", "no-such-step"]}, "steps_done"),
    "requested guide unknown": ({"requested": ["../secret"]}, "requested"),
    "referral count negative": ({"referrals": {"legal-aid": -1}}, "referrals"),
    "referral type unknown": ({"referrals": {"police-informant": 1}}, "referrals"),
    "referrals as a list": ({"referrals": ["legal-aid"]}, "referrals"),
    "notes too long": ({"notes": "x" * 2001}, "notes"),
    "notes as a number": ({"notes": 12}, "notes"),
    "voided as text": ({"voided": "yes"}, "voided"),
    "unknown field (a participant's name)": ({"participant_names": ["Sita"]}, "participant_names"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(RECORDS), ids=list(RECORDS))
def test_bad_record_is_invalid_with_its_field_and_nothing_of_it_is_stored(world, case):
    changes, field = RECORDS[case]
    bad, good = make_log(**changes), make_log()
    before = row_counts(world.database)
    response = world.app.test_client().post(
        SYNC,
        json={"records": [bad, good]},
        headers={"Authorization": f"Bearer {world.token}", "Accept-Language": "en"},
    )
    assert response.status_code == 200
    first, second = response.get_json()["results"]
    assert first["status"] == "invalid"
    assert field in first["errors"] and len(first["errors"][field]) > 5
    assert second["status"] == "created"
    after = row_counts(world.database)
    assert after.pop("session_logs") == before.pop("session_logs") + 1  # the good one only
    assert {name: count for name, count in after.items() if name != "counters"} == {
        name: count for name, count in before.items() if name != "counters"
    }
    ids = log_ids(world.database)
    assert good["id"] in ids and str(bad.get("id")).lower() not in ids


RAW_RECORDS: dict[str, tuple[str, str, str]] = {
    # Bodies json.dumps cannot write, as a phone's or an attacker's JSON can: (text, replacement, field)
    # applied to the first (bad) record only.
    "minutes 1e999 (infinity)": ('"minutes": 75', '"minutes": 1e999', "minutes"),
    "participants NaN": ('"participants": 14', '"participants": NaN', "participants"),
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
}


@pytest.mark.parametrize("case", list(RAW_RECORDS), ids=list(RAW_RECORDS))
def test_bad_raw_json_record_is_invalid_and_nothing_of_it_is_stored(world, case):
    text, replacement, field = RAW_RECORDS[case]
    bad, good = make_log(notes=""), make_log()
    body = json.dumps({"records": [bad, good]}, ensure_ascii=False)
    assert text in body
    body = body.replace(text, replacement, 1)
    before = row_counts(world.database)["session_logs"]
    response = world.app.test_client().post(
        SYNC,
        data=body.encode(),
        headers={"Authorization": f"Bearer {world.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    first, second = response.get_json()["results"]
    assert first["status"] == "invalid" and field in first["errors"]
    assert second["status"] == "created"
    assert row_counts(world.database)["session_logs"] == before + 1
    assert bad["id"] not in log_ids(world.database)


# --- 3. URLs: the 404 page, never a file outside the app, never the input echoed as HTML -----------

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
    "/ne/guides/ng-agent'%20OR%20'1'='1",
    "/ne/guides/" + "a" * 5000,
    "/%F0%9F%92%A9/",
    "/%ff%fe/guides/ng-agent",
    "/ne/guides/ng-agent/handout.pdf?size=A9",
    "/ne/guides/no-such-guide/handout.pdf",
    "/ne/modules/no-such-module/booklet.pdf",
    "/ne/log/not-a-log-id",
    "/ne/log/..%2f..%2fetc%2fpasswd",
    "/ne/guides/no-such-guide/run",
]


@pytest.mark.parametrize("url", URLS, ids=[url[:60] for url in URLS])
def test_bad_url_is_a_clear_404(world, url):
    before = row_counts(world.database)
    response = world.app.test_client().get(url)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "root:" not in page and "SECRET_KEY" not in page and "import " not in page
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert row_counts(world.database) == before


# --- 4. coordinator forms: login abuse --------------------------------------------------------------


def csrf_token(client) -> str:
    page = client.get(LOGIN).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


LOGINS = {
    "SQL injection in the user name": ({"username": "admin' --", "password": "x"}, 401),
    "SQL injection always-true": ({"username": "' OR '1'='1", "password": "' OR '1'='1"}, 401),
    "right user, wrong password": ({"username": "admin", "password": "wrong password"}, 401),
    "HTML in the user name": ({"username": "<script>alert(1)</script>", "password": "x"}, 401),
    "no CSRF token": ({"username": "admin", "password": PASSWORD, "csrf_token": None}, 400),
    "forged CSRF token": ({"username": "admin", "password": PASSWORD, "csrf_token": "forged"}, 400),
}  # fmt: skip


@pytest.mark.parametrize("case", list(LOGINS), ids=list(LOGINS))
def test_bad_login_is_refused_and_signs_nobody_in(world, case):
    form, status = LOGINS[case]
    client = world.app.test_client()
    token = csrf_token(client)
    form = {"csrf_token": token, **form}
    form = {name: value for name, value in form.items() if value is not None}
    before = row_counts(world.database)
    response = client.post(LOGIN, data=form)
    assert response.status_code == status
    assert "<script>alert(1)" not in response.get_data(as_text=True)
    dashboard = client.get("/coordinator/")
    assert dashboard.status_code == 302 and "/coordinator/login" in dashboard.headers["Location"]
    assert row_counts(world.database) == before


def test_login_guessing_is_stopped_with_429(tmp_path):
    database = str(tmp_path / "guess.sqlite")
    init_db(database)
    db = connect(database)
    create_coordinator(db, "admin", PASSWORD, role="admin")
    db.conn.close()
    app = create_app(
        {"TESTING": True, "DATABASE": database, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}
    )
    client = app.test_client()
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
    database = str(tmp_path / "proxy.sqlite")
    init_db(database)
    db = connect(database)
    create_coordinator(db, "admin", PASSWORD, role="admin")
    db.conn.close()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": database,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "3 per 5 minutes",
            "TRUSTED_PROXIES": 1,
        }
    )
    client = app.test_client()
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
