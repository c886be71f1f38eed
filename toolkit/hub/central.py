"""The central server's endpoints for field hubs: `/api/v1/hub/people` and `/api/v1/hub/report`.

With its token (registry.py; checked as every token is, tokens.py) a hub POSTs its facilitators and
devices here before any log, so that central knows who the relayed logs belong to; the sync package
takes the logs themselves on `/api/v1/sync`. At the end of a push it reports what it holds back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlite_utils
from flask import Blueprint, Response, jsonify

from ..api import authenticate, error, phone_language, read_json
from ..db import get_db, immediate
from ..sync.messages import N_
from ..sync.record import HALF_CHARACTER, is_timestamp, is_uuid, iso, utc_now
from ..tokens import HUBS_ONLY
from ..vocabulary import COUNTRIES

MAX_PEOPLE = 1000  # facilitators + devices per people request
# A relayed device's token_hash: not 64 hex digits, so no token ever hashes to it.
RELAYED_TOKEN = "relayed:{id}"
MAX_NAME = 200


# ---------------------------------------------------------------------------- /api/v1/hub/people

bp = Blueprint("hub", __name__, url_prefix="/api/v1/hub")
bp.before_request(phone_language)  # messages in the Accept-Language of the request

PEOPLE_NOT_JSON = N_('The request must be JSON like {"facilitators": [...], "devices": [...]}.')
TOO_MANY_PEOPLE = N_("Too much in one request: send at most %(count)s facilitators and devices.")
BAD_FACILITATOR = N_(
    "Facilitator number %(number)s: %(field)s is not right. It needs an id (a UUID), a name, "
    "a country code (%(countries)s) and created_at (a time like 2026-11-20T10:06:00Z)."
)
BAD_DEVICE = N_(
    "Device number %(number)s: %(field)s is not right. It needs an id and a facilitator_id "
    "(UUIDs), created_at (a time like 2026-11-20T10:06:00Z) and revoked_at (a time or null)."
)
DEVICE_WITHOUT_FACILITATOR = N_(
    "Device number %(number)s belongs to a facilitator this server does not know: send her first."
)


class PeopleError(Exception):
    """A people request that cannot be stored: a message (a msgid) and its parameters."""

    def __init__(self, message: str, **params: Any):
        super().__init__(message)
        self.message, self.params = message, params


def _name(value: Any) -> bool:
    """A facilitator's name as `create_facilitator` takes it: text, not blank, not too long."""
    return (
        isinstance(value, str)
        and 0 < len(" ".join(value.split())) <= MAX_NAME
        and not HALF_CHARACTER.search(value)
    )


def _facilitator_problem(item: Any) -> str | None:
    """The first field of a hub's facilitator that is wrong, or None: the same rules as central's."""
    if not isinstance(item, dict):
        return "facilitator"
    checks = {
        "id": is_uuid(item.get("id")),
        "name": _name(item.get("name")),
        "country": isinstance(item.get("country"), str) and item["country"] in COUNTRIES,
        "created_at": is_timestamp(item.get("created_at")),
    }
    return next((field for field, good in checks.items() if not good), None)


def _device_problem(item: Any) -> str | None:
    """The first field of a hub's device that is wrong, or None."""
    if not isinstance(item, dict):
        return "device"
    revoked_at = item.get("revoked_at")
    checks = {
        "id": is_uuid(item.get("id")),
        "facilitator_id": is_uuid(item.get("facilitator_id")),
        "created_at": is_timestamp(item.get("created_at")),
        "revoked_at": revoked_at is None or is_timestamp(revoked_at),
    }
    return next((field for field, good in checks.items() if not good), None)


def check_people(body: Any) -> tuple[list[dict], list[dict]]:
    """The facilitators and devices of a people request, checked; PeopleError if malformed.

    Every field is checked as central checks its own: UUIDs by full match, a known country (it
    picks the districts her logs may name), real timestamps (never text that a page would show).
    """
    if not isinstance(body, dict):
        raise PeopleError(PEOPLE_NOT_JSON)
    facilitators, devices = body.get("facilitators", []), body.get("devices", [])
    if not isinstance(facilitators, list) or not isinstance(devices, list):
        raise PeopleError(PEOPLE_NOT_JSON)
    if len(facilitators) + len(devices) > MAX_PEOPLE:
        raise PeopleError(TOO_MANY_PEOPLE, count=MAX_PEOPLE)
    for number, item in enumerate(facilitators, start=1):
        if (field := _facilitator_problem(item)) is not None:
            raise PeopleError(
                BAD_FACILITATOR, number=number, field=field, countries=", ".join(COUNTRIES)
            )
    for number, item in enumerate(devices, start=1):
        if (field := _device_problem(item)) is not None:
            raise PeopleError(BAD_DEVICE, number=number, field=field)
    facilitators = [{**item, "name": " ".join(item["name"].split())} for item in facilitators]
    return facilitators, devices


# --- hub scope: what a hub token may write ---------------------------------------------------------


def registered_by(conn, table: str, row_id: str) -> tuple[bool, str | None]:
    """(exists, the hub that registered it: None for central's own) of a facilitator or device."""
    row = conn.execute(f"SELECT hub_id FROM {table} WHERE id = ?", [row_id]).fetchone()
    return (row is not None, row[0] if row is not None else None)


def may_attach_device(conn, hub_id: str, facilitator_id: str) -> bool:
    """A hub attaches phones only to facilitators it registered itself (never central's own or
    another hub's): otherwise its logs could be stored under anyone's name."""
    exists, owner = registered_by(conn, "facilitators", facilitator_id)
    return exists and owner == hub_id


def store_people(
    db: sqlite_utils.Database, hub_id: str, facilitators: Sequence[dict], devices: Sequence[dict]
) -> dict[str, Counter]:
    """Insert or update the hub's facilitators and devices by UUID, in one transaction.

    Idempotent: sending the same again changes nothing. A row registered here or by another hub is
    never changed ("kept"); a new device of a facilitator this hub did not register is not stored
    ("refused"). Relayed devices get a token hash no token matches: phones sync with their hub only.
    """
    counts = {"facilitators": Counter(), "devices": Counter()}
    with immediate(db.conn) as conn:
        for item in facilitators:
            counts["facilitators"][_store_facilitator(conn, hub_id, item)] += 1
        for number, item in enumerate(devices, start=1):
            if not registered_by(conn, "facilitators", item["facilitator_id"])[0]:
                raise PeopleError(DEVICE_WITHOUT_FACILITATOR, number=number)
            counts["devices"][_store_device(conn, hub_id, item)] += 1
    return counts


def _store_facilitator(conn, hub_id: str, item: dict) -> str:
    """Insert or update one of the hub's facilitators; how it went (created, kept, …)."""
    row = conn.execute(
        "SELECT name, country, hub_id FROM facilitators WHERE id = ?", [item["id"]]
    ).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO facilitators (id, name, country, created_at, hub_id) VALUES (?, ?, ?, ?, ?)",
            [item["id"], item["name"], item["country"], item["created_at"], hub_id],
        )
        return "created"
    if row[2] != hub_id:
        return "kept"
    if (row[0], row[1]) == (item["name"], item["country"]):
        return "unchanged"
    conn.execute(
        "UPDATE facilitators SET name = ?, country = ? WHERE id = ?",
        [item["name"], item["country"], item["id"]],
    )
    return "updated"


def _store_device(conn, hub_id: str, item: dict) -> str:
    """Insert or update one of the hub's devices (its facilitator is known); how it went."""
    row = conn.execute(
        "SELECT revoked_at, hub_id FROM devices WHERE id = ?", [item["id"]]
    ).fetchone()
    if row is None and not may_attach_device(conn, hub_id, item["facilitator_id"]):
        return "refused"
    if row is None:
        conn.execute(
            "INSERT INTO devices (id, facilitator_id, token_hash, created_at, revoked_at, hub_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                item["id"],
                item["facilitator_id"],
                RELAYED_TOKEN.format(id=item["id"]),
                item["created_at"],
                item.get("revoked_at"),
                hub_id,
            ],
        )
        return "created"
    if row[1] != hub_id:
        return "kept"
    if row[0] and not item.get("revoked_at"):
        return "withdrawn"  # withdrawn on central: a push never re-activates a phone
    if row[0] == item.get("revoked_at"):
        return "unchanged"
    conn.execute(
        "UPDATE devices SET revoked_at = ? WHERE id = ?", [item.get("revoked_at"), item["id"]]
    )
    return "updated"


@bp.post("/people")
def people() -> Response:
    """A hub's facilitators and devices (never tokens), upserted by UUID. Hub tokens only."""
    hub_id = authenticate(HUBS_ONLY).hub_id
    body = read_json()
    try:
        facilitators, devices = check_people(body)
        counts = store_people(get_db(), hub_id, facilitators, devices)
    except PeopleError as problem:
        return error(400, problem.message, **problem.params)
    answer = {kind: dict(counter) for kind, counter in counts.items()}
    withdrawn = withdrawn_on_central(get_db(), hub_id, devices)
    if withdrawn:  # phones a coordinator withdrew here: the hub withdraws them too
        answer["withdrawn"] = withdrawn
    return jsonify(answer)


# ------------------------------------------------------ withdrawals on central, and hub reports


def withdrawn_on_central(
    db: sqlite_utils.Database, hub_id: str, devices: Sequence[dict]
) -> list[dict]:
    """The hub's phones that a coordinator withdrew here while the hub still has them active.

    The hub marks them withdrawn too (pushing.py), so the phone is refused there as well.
    """
    active = [item["id"] for item in devices if not item.get("revoked_at")]
    if not active:
        return []
    return [
        {"id": row[0], "revoked_at": row[1]}
        for row in db.execute(
            f"SELECT id, revoked_at FROM devices WHERE hub_id = ? AND revoked_at IS NOT NULL "
            f"AND id IN ({','.join('?' * len(active))}) ORDER BY id",
            [hub_id, *active],
        )
    ]


REPORT_NOT_JSON = N_('The request must be JSON like {"pending": 0, "refused": 0}.')


@bp.post("/report")
def report() -> Response:
    """At the end of a push: how many changes the hub still holds back (for `toolkit hubs`)."""
    hub_id = authenticate(HUBS_ONLY).hub_id
    body = read_json(malformed=REPORT_NOT_JSON)  # not JSON: say what this address takes
    counts = [body.get(key) if isinstance(body, dict) else None for key in ("pending", "refused")]
    if not all(type(n) is int and 0 <= n <= 10**9 for n in counts):
        return error(400, REPORT_NOT_JSON)
    get_db().execute(
        "UPDATE hubs SET last_push_at = ?, pending_changes = ?, refused_changes = ? WHERE id = ?",
        [iso(utc_now()), counts[0], counts[1], hub_id],
    )
    return jsonify(ok=True)
