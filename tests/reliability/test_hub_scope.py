"""Hub scope against a real gunicorn (2 workers): a hub token writes only the people, phones and logs it
registered, with the same validation as everything else (issue #19, class 7).

Central has its own facilitator (Gita, with a phone enrolled on central), and two hubs: each registers
its own facilitator and phone through /api/v1/hub/people. A hub then tries to write for the others.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from toolkit.db import connect, init_db
from toolkit.enrolment import create_facilitator
from toolkit.hub.registry import create_hub
from toolkit.vocabulary import DISTRICTS

from .conftest import Server, enrol, make_log, snapshot

SYNC = "/api/v1/sync"
PEOPLE = "/api/v1/hub/people"
WHEN = "2026-11-20T10:00:00Z"


@dataclasses.dataclass
class Central:
    server: Server
    database: str
    gita: dict  # central's own facilitator, and her phone: {"facilitator_id", "device_id"}
    hubs: dict  # hub name -> {"token", "facilitator_id", "device_id"}


def person(facilitator_id: str, **changes) -> dict:
    return {
        "id": facilitator_id,
        "name": "Maya Gurung",
        "country": "NP",
        "created_at": WHEN,
        **changes,
    }


def phone(device_id: str, facilitator_id: str, **changes) -> dict:
    return {
        "id": device_id,
        "facilitator_id": facilitator_id,
        "created_at": WHEN,
        "revoked_at": None,
        **changes,
    }


@pytest.fixture(scope="module")
def central(tmp_path_factory) -> Central:
    directory = tmp_path_factory.mktemp("hub-scope")
    database = str(directory / "central.sqlite")
    init_db(database)
    db = connect(database)
    gita = create_facilitator(db, "Gita Rai", "NP")
    enrolled = enrol(db, gita["id"])
    tokens = {name: create_hub(db, name)[1] for name in ("north", "south")}
    db.conn.close()
    server = Server(directory, database, workers=2).start()
    hubs = {}
    for name, token in tokens.items():
        facilitator_id, device_id = str(uuid.uuid4()), str(uuid.uuid4())
        body = {
            "facilitators": [person(facilitator_id, name=f"Maya of {name}")],
            "devices": [phone(device_id, facilitator_id)],
        }
        status, answer = server.post_json(PEOPLE, body, token)
        assert status == 200 and answer["devices"] == {"created": 1}, answer
        hubs[name] = {"token": token, "facilitator_id": facilitator_id, "device_id": device_id}
    yield Central(
        server,
        database,
        {"facilitator_id": gita["id"], "device_id": enrolled.device_id},
        hubs,
    )
    server.kill()


def relayed(owner: dict, **changes) -> dict:
    ids = {"device_id": owner["device_id"], "facilitator_id": owner["facilitator_id"]}
    return make_log(**{**ids, **changes})


def test_a_hub_relays_its_own_logs_and_none_naming_anyone_elses_phone(central):
    north, south = central.hubs["north"], central.hubs["south"]
    mine = relayed(north)
    attempts = {
        "a phone no one registered": relayed(north, device_id=str(uuid.uuid4())),
        "another hub's phone, her facilitator": relayed(south),
        "another hub's phone, my facilitator": relayed(north, device_id=south["device_id"]),
        "central's own facilitator and phone": relayed(central.gita),
        "my phone, central's facilitator": relayed(
            north, facilitator_id=central.gita["facilitator_id"]
        ),
        "a district of another country than hers": relayed(north, district=DISTRICTS["PK"][0]),
    }
    before = snapshot(central.database)
    status, answer = central.server.post_json(
        SYNC, {"records": [*attempts.values(), mine]}, north["token"]
    )
    assert status == 200
    *refused, stored = answer["results"]
    for name, result in zip(attempts, refused, strict=True):
        assert result["status"] == "invalid", name
        assert set(result["errors"]) & {"device_id", "facilitator_id", "district"}, name
    assert stored["status"] == "created"
    after = snapshot(central.database)
    new = [row for row in after["session_logs"] if row not in before["session_logs"]]
    assert [row[0] for row in new] == [mine["id"]]  # the hub's own log, once; nothing else


def test_a_hub_cannot_attach_a_phone_to_someone_elses_facilitator(central):
    north, south = central.hubs["north"], central.hubs["south"]
    stranger = str(uuid.uuid4())
    body = {
        "devices": [
            phone(stranger, central.gita["facilitator_id"]),  # central's own facilitator
            phone(str(uuid.uuid4()), south["facilitator_id"]),  # another hub's
        ]
    }
    before = snapshot(central.database)
    status, answer = central.server.post_json(PEOPLE, body, north["token"])
    assert status == 200 and answer["devices"] == {"refused": 2}
    assert snapshot(central.database) == before
    # and no log can then be relayed through such a phone
    status, answer = central.server.post_json(
        SYNC, {"records": [relayed(central.gita, device_id=stranger)]}, north["token"]
    )
    assert answer["results"][0]["status"] == "invalid"
    assert snapshot(central.database) == before


def test_a_hub_cannot_change_or_take_over_anyone_elses_people(central):
    north, south = central.hubs["north"], central.hubs["south"]
    body = {
        "facilitators": [
            person(south["facilitator_id"], name="Renamed", country="PK"),
            person(central.gita["facilitator_id"], name="Renamed"),
        ],
        "devices": [phone(south["device_id"], north["facilitator_id"], revoked_at=WHEN)],
    }
    before = snapshot(central.database)
    status, answer = central.server.post_json(PEOPLE, body, north["token"])
    assert status == 200
    assert answer == {"facilitators": {"kept": 2}, "devices": {"kept": 1}}
    assert snapshot(central.database) == before


BAD_PEOPLE = {
    "country XX (would allow any district)": {"facilitators": [person(None, country="XX")]},
    "country in lower case": {"facilitators": [person(None, country="np")]},
    "country as a list": {"facilitators": [person(None, country=["NP"])]},
    "markup in created_at": {"facilitators": [person(None, created_at="<script>alert(1)</script>")]},
    "created_at not a time": {"facilitators": [person(None, created_at="yesterday")]},
    "an id with a trailing newline": {"facilitators": [person(str(uuid.uuid4()) + "\n")]},
    "a blank name": {"facilitators": [person(None, name="   ")]},
    "a name of 500 letters": {"facilitators": [person(None, name="x" * 500)]},
    "a phone with markup in revoked_at": {"devices": [phone(None, "north", revoked_at="<b>")]},
    "a phone with markup in created_at": {"devices": [phone(None, "north", created_at="<i>")]},
    "a phone id with a trailing newline": {"devices": [phone(str(uuid.uuid4()) + "\n", "north")]},
    "a phone of a facilitator id with a newline": {"devices": [phone(None, "north\n")]},
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_PEOPLE), ids=list(BAD_PEOPLE))
def test_hub_people_get_the_same_validation_as_everything_else(central, case):
    north = central.hubs["north"]
    body = {kind: [dict(item) for item in items] for kind, items in BAD_PEOPLE[case].items()}
    for item in body.get("facilitators", []):
        item["id"] = item["id"] or str(uuid.uuid4())
    for item in body.get("devices", []):
        item["id"] = item["id"] or str(uuid.uuid4())
        owner = item["facilitator_id"]
        item["facilitator_id"] = north["facilitator_id"] + ("\n" if owner.endswith("\n") else "")
    before = snapshot(central.database)
    status, answer = central.server.post_json(PEOPLE, body, north["token"])
    assert status == 400, answer
    assert "number 1" in answer["error"] and len(answer["error"]) > 40
    assert snapshot(central.database) == before
