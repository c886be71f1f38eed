"""Field hub → central server: hub tokens, the people endpoint, `toolkit sync push` and `status`.

On the central server, `toolkit create-hub-token NAME` makes a hub (a UUID and a token stored only as
its SHA-256 hash, printed once); `toolkit revoke-hub NAME` stops the token. A hub token may POST
`/api/v1/sync` relaying the original device and facilitator ids (sync.py stores `relayed_by` = hub
id) and POST `/api/v1/hub/people` (below).

On the hub, `toolkit sync push --to URL` sends, in order:
1. the hub's facilitators and devices (ids, name, country, dates; never a token or its hash), so that
   central knows who the relayed logs belong to. This request also checks the token before any log
   is sent. Central inserts them by UUID, updates only those this hub registered, leaves others alone;
2. records refused by an earlier push (see "invalid" below), again;
3. every change with `seq` above the last one this upstream acknowledged (`hub_peers`): current rows of
   `session_logs` AND kept revisions in `session_log_revisions` (superseded revisions, stale and
   conflict copies keep the `seq` they were given), in `seq` order, in batches over the phones'
   `/api/v1/sync` contract. Ingesting them in that order gives central the same revision history.

A batch is acknowledged when central answers 200 with one result per record; `last_acked_seq` then
moves to the batch's last `seq`, in one transaction with its refusals. An interrupted push resumes
after the last acknowledged batch; a batch central committed but whose answer was lost is sent again
and answered unchanged (or stale, for an old revision): nothing is stored twice. An edit made on the
hub after a push gets a new `seq`, so it travels as a new rev. Per result:
- created, updated, unchanged: stored upstream;
- stale (central has a higher rev) and conflict (same rev, other content): central keeps this copy in
  its `session_log_revisions` (a conflict is flagged for a coordinator) just as the hub did;
- invalid (e.g. central's content lacks a guide the hub has): nothing of it is stored upstream. It is
  kept in `hub_push_refused` with central's field errors, shown by `toolkit sync status`, sent again
  at the start of every push until central accepts it, and the push exits non-zero. It does not hold
  back the records after it.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import re
import secrets
import sqlite3
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
import sqlite_utils
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.cli import with_appcontext

from .api import error, phone_language, read_json, unauthorised
from .db import connect, get_db, init_db
from .enrolment import hash_secret, sender_for_token
from .migrations import LOG_FIELDS
from .sync import MAX_RECORDS, N_, STATUSES, iso, row_to_record, utc_now
from .version import APP_VERSION

SYNC_PATH = "/api/v1/sync"
PEOPLE_PATH = "/api/v1/hub/people"
TOKEN_BYTES = 32
DEFAULT_TIMEOUT = 60.0
MAX_BATCH_BYTES = 900_000  # the API takes at most 1 MB per request
MAX_PEOPLE = 1000  # facilitators + devices per people request
MAX_ANSWER_BYTES = 8 * 1024 * 1024
FIRST_RETRY = 30.0  # seconds before the first retry of a failed `--every` push
ACKNOWLEDGED = frozenset(STATUSES) - {"invalid"}
# A relayed device's token_hash: not 64 hex digits, so no token ever hashes to it.
RELAYED_TOKEN = "relayed:{id}"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_COLUMNS = ("rev", "device_id", "facilitator_id", *LOG_FIELDS, "created_at", "updated_at", "seq")


# ---------------------------------------------------------------------------------------- hubs


class HubError(Exception):
    """A hub that cannot be created, found or revoked; the message says what to do."""


def find_hub(db: sqlite_utils.Database, name: str) -> dict | None:
    """The hub with this name (ignoring case and extra spaces) or this id."""
    name = " ".join(name.split())
    rows = list(
        db.query("SELECT * FROM hubs WHERE name = ? COLLATE NOCASE OR id = ? LIMIT 1", [name, name])
    )
    return rows[0] if rows else None


def create_hub(
    db: sqlite_utils.Database, name: str, replace: bool = False, now: dt.datetime | None = None
) -> tuple[dict, str]:
    """A new hub and its token (returned once; only its hash is stored).

    `replace` gives an existing hub a new token and lifts a revocation: same id, so the logs and
    people it relayed stay its own. Without it, an existing name is an error.
    """
    name = " ".join(name.split())
    if not name:
        raise HubError("Give the hub a name, e.g. the resource centre's: 'Sindhupalchok centre'.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    hub = find_hub(db, name)
    if hub is None and replace:
        raise HubError(f"No hub named {name!r}. Leave out --replace to create it.")
    if hub is not None and not replace:
        raise HubError(
            f"A hub named {hub['name']!r} already exists. To give it a new token (its old one "
            f"stops working): toolkit create-hub-token {hub['name']!r} --replace"
        )
    if hub is None:
        hub = {"id": str(uuid.uuid4()), "name": name, "created_at": iso(now or utc_now())}
        db["hubs"].insert({**hub, "token_hash": hash_secret(token), "revoked_at": None})
    else:
        db.execute(
            "UPDATE hubs SET token_hash = ?, revoked_at = NULL WHERE id = ?",
            [hash_secret(token), hub["id"]],
        )
    return {k: hub[k] for k in ("id", "name", "created_at")}, token


def revoke_hub(db: sqlite_utils.Database, name: str, now: dt.datetime | None = None) -> dict:
    """Stop a hub's token from working (a lost or replaced laptop). What it sent stays."""
    hub = find_hub(db, name)
    if hub is None:
        raise HubError(f"No hub named {name!r}.")
    if not hub["revoked_at"]:
        hub["revoked_at"] = iso(now or utc_now())
        db.execute("UPDATE hubs SET revoked_at = ? WHERE id = ?", [hub["revoked_at"], hub["id"]])
    return hub


# ------------------------------------------------------------------ central: /api/v1/hub/people

bp = Blueprint("hub", __name__, url_prefix="/api/v1/hub")
bp.before_request(phone_language)  # messages in the Accept-Language of the request

HUB_TOKEN_MISSING = N_("Send this hub's token: Authorization: Bearer <token>.")
HUB_TOKEN_UNKNOWN = N_(
    "This server does not know this hub token. Create one on this server with "
    "`toolkit create-hub-token NAME`."
)
HUB_TOKEN_REVOKED = N_(
    "This hub's token was revoked on this server. Ask its administrator for a new one."
)
NOT_A_HUB_TOKEN = N_("This address is for field hubs: a phone's token cannot use it.")
PEOPLE_NOT_JSON = N_('The request must be JSON like {"facilitators": [...], "devices": [...]}.')
TOO_MANY_PEOPLE = N_("Too much in one request: send at most %(count)s facilitators and devices.")
BAD_FACILITATOR = N_(
    "Facilitator number %(number)s needs an id (a UUID), a name, a country code and created_at."
)
BAD_DEVICE = N_(
    "Device number %(number)s needs an id and a facilitator_id (UUIDs), created_at, and "
    "revoked_at (a date or null)."
)
DEVICE_WITHOUT_FACILITATOR = N_(
    "Device number %(number)s belongs to a facilitator this server does not know: send her first."
)


class PeopleError(Exception):
    """A people request that cannot be stored: a message (a msgid) and its parameters."""

    def __init__(self, message: str, **params: Any):
        super().__init__(message)
        self.message, self.params = message, params


def _text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= limit


def check_people(body: Any) -> tuple[list[dict], list[dict]]:
    """The facilitators and devices of a people request, checked; PeopleError if malformed."""
    if not isinstance(body, dict):
        raise PeopleError(PEOPLE_NOT_JSON)
    facilitators, devices = body.get("facilitators", []), body.get("devices", [])
    if not isinstance(facilitators, list) or not isinstance(devices, list):
        raise PeopleError(PEOPLE_NOT_JSON)
    if len(facilitators) + len(devices) > MAX_PEOPLE:
        raise PeopleError(TOO_MANY_PEOPLE, count=MAX_PEOPLE)
    for number, item in enumerate(facilitators, start=1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("id"), str)
            and _UUID.match(item["id"])
            and _text(item.get("name"), 200)
            and _text(item.get("country"), 8)
            and _text(item.get("created_at"), 40)
        ):
            raise PeopleError(BAD_FACILITATOR, number=number)
    for number, item in enumerate(devices, start=1):
        if not (
            isinstance(item, dict)
            and all(
                isinstance(item.get(key), str) and _UUID.match(item[key])
                for key in ("id", "facilitator_id")
            )
            and _text(item.get("created_at"), 40)
            and (item.get("revoked_at") is None or _text(item["revoked_at"], 40))
        ):
            raise PeopleError(BAD_DEVICE, number=number)
    return facilitators, devices


def store_people(
    db: sqlite_utils.Database, hub_id: str, facilitators: Sequence[dict], devices: Sequence[dict]
) -> dict[str, Counter]:
    """Insert or update the hub's facilitators and devices by UUID, in one transaction.

    Idempotent: sending the same again changes nothing. A row registered here or by another hub is
    never changed ("kept"). Relayed devices get a token hash no token matches: phones sync with
    their hub only.
    """
    counts = {"facilitators": Counter(), "devices": Counter()}
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        for item in facilitators:
            row = conn.execute(
                "SELECT name, country, hub_id FROM facilitators WHERE id = ?", [item["id"]]
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO facilitators (id, name, country, created_at, hub_id) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [item["id"], item["name"], item["country"], item["created_at"], hub_id],
                )
                status = "created"
            elif row[2] != hub_id:
                status = "kept"
            elif (row[0], row[1]) == (item["name"], item["country"]):
                status = "unchanged"
            else:
                conn.execute(
                    "UPDATE facilitators SET name = ?, country = ? WHERE id = ?",
                    [item["name"], item["country"], item["id"]],
                )
                status = "updated"
            counts["facilitators"][status] += 1
        for number, item in enumerate(devices, start=1):
            known = conn.execute(
                "SELECT 1 FROM facilitators WHERE id = ?", [item["facilitator_id"]]
            ).fetchone()
            if known is None:
                raise PeopleError(DEVICE_WITHOUT_FACILITATOR, number=number)
            row = conn.execute(
                "SELECT revoked_at, hub_id FROM devices WHERE id = ?", [item["id"]]
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO devices (id, facilitator_id, token_hash, created_at, revoked_at, "
                    "hub_id) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        item["id"],
                        item["facilitator_id"],
                        RELAYED_TOKEN.format(id=item["id"]),
                        item["created_at"],
                        item.get("revoked_at"),
                        hub_id,
                    ],
                )
                status = "created"
            elif row[1] != hub_id:
                status = "kept"
            elif row[0] == item.get("revoked_at"):
                status = "unchanged"
            else:
                conn.execute(
                    "UPDATE devices SET revoked_at = ? WHERE id = ?",
                    [item.get("revoked_at"), item["id"]],
                )
                status = "updated"
            counts["devices"][status] += 1
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return counts


@bp.post("/people")
def people() -> Response:
    """A hub's facilitators and devices (never tokens), upserted by UUID. Hub tokens only."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return unauthorised(HUB_TOKEN_MISSING)
    found = sender_for_token(get_db(), token.strip())
    if found is None:
        return unauthorised(HUB_TOKEN_UNKNOWN)
    kind, hub = found
    if kind != "hub":
        return error(403, NOT_A_HUB_TOKEN)
    if hub["revoked_at"]:
        return error(403, HUB_TOKEN_REVOKED)
    body = read_json()
    if isinstance(body, Response):
        return body
    try:
        facilitators, devices = check_people(body)
        counts = store_people(get_db(), hub["id"], facilitators, devices)
    except PeopleError as problem:
        return error(400, problem.message, **problem.params)
    return jsonify({kind: dict(counter) for kind, counter in counts.items()})


# ------------------------------------------------------------------------- hub: the upstream


class PushError(Exception):
    """A push that stopped: what happened and what to do. Nothing unacknowledged counts as sent."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body, and where a redirect pointed."""

    status: int
    body: bytes
    location: str | None = None


# (url, body, headers, timeout) -> Answer; raises OSError or http.client.HTTPException.
Transport = Callable[[str, bytes, Mapping[str, str], float], Answer]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: urllib would resend the hub token to the new address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_transport(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Answer:
    """POST with the standard library, within `timeout` seconds per connect and read."""
    req = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with _OPENER.open(req, timeout=timeout) as response:
            return Answer(response.status, response.read(MAX_ANSWER_BYTES))
    except urllib.error.HTTPError as answer:
        with answer:
            data = answer.read(MAX_ANSWER_BYTES) if answer.fp else b""
            return Answer(answer.code, data, answer.headers.get("Location"))


def normalise_url(url: str) -> str:
    """'HTTPS://Toolkit.example.org/' -> 'https://toolkit.example.org' (hub_peers' key)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise PushError(
            f"--to must be the central server's address, like https://toolkit.example.org "
            f"(got {url!r})."
        )
    path = parts.path.rstrip("/")
    if path.endswith("/api/v1/sync"):
        path = path[: -len("/api/v1/sync")]
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


class Upstream:
    """The central server as this hub sees it: its address, this hub's token, a transport."""

    def __init__(
        self,
        url: str,
        token: str,
        timeout: float = DEFAULT_TIMEOUT,
        transport: Transport | None = None,
    ):
        self.url = normalise_url(url)
        self.token = token
        self.timeout = timeout
        self.transport = transport or urllib_transport

    def post(self, path: str, payload: Any) -> Any:
        """POST JSON, return the decoded 200 answer; PushError (never the token) otherwise."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "en",
            "User-Agent": f"toolkit-hub/{APP_VERSION}",
        }
        try:
            answer = self.transport(self.url + path, body, headers, self.timeout)
        except (OSError, http.client.HTTPException) as failure:
            raise PushError(self.describe(failure)) from None
        if answer.status != 200:
            raise PushError(self.explain(answer, path))
        try:
            return json.loads(answer.body)
        except ValueError:
            raise PushError(
                f"{self.url}{path} answered, but not with JSON: is --to the toolkit server's "
                "address?"
            ) from None

    def describe(self, failure: Exception) -> str:
        """What a network failure means: the batch was not acknowledged, so it is sent again."""
        reason = failure.reason if isinstance(failure, urllib.error.URLError) else failure
        if isinstance(reason, TimeoutError):
            return (
                f"{self.url} did not answer within {self.timeout:g} s. What it was sent is sent "
                "again next time."
            )
        if isinstance(reason, ConnectionRefusedError):
            return f"Could not reach {self.url}: {reason}. Is it running? Nothing was sent."
        if isinstance(reason, ConnectionError | http.client.HTTPException):
            return (
                f"The connection to {self.url} dropped before it answered ({reason or 'closed'}). "
                "What it was sent is sent again next time."
            )
        if isinstance(reason, ssl.SSLCertVerificationError):
            return (
                f"{self.url}'s HTTPS certificate is not trusted on this machine ({reason.verify_message}):"
                " install the organisation CA here, or use the server's real DNS name."
            )
        return f"Could not reach {self.url}: {reason}."

    def explain(self, answer: Answer, path: str) -> str:
        """What a non-200 answer means for the person running the push."""
        try:
            said = json.loads(answer.body).get("error") or ""
        except (ValueError, AttributeError):
            said = ""
        status = answer.status
        unstored = (
            "Nothing was stored there." if path == PEOPLE_PATH else "This batch was not stored."
        )
        if status == 401:
            return (
                f"{self.url} does not know this hub token. Check --token/--token-file; a token "
                f"comes from `toolkit create-hub-token NAME` on the central server. {unstored}"
            )
        if status == 403:
            why = (
                said
                if said and path == PEOPLE_PATH
                else "it was revoked. Ask the central server's administrator for a new one "
                "(toolkit create-hub-token NAME --replace)."
            )
            return f"{self.url} refused this hub token: {why} {unstored}"
        if 300 <= status < 400:
            return f"{self.url} redirects to {answer.location}: use that address with --to."
        if status == 404:
            return (
                f"{self.url} has no {path}: is --to the central toolkit server's address, and "
                "is it up to date?"
            )
        if status == 413:
            return f"{self.url} found the batch too large: try a smaller --batch. {said}".strip()
        if status == 429:
            return f"{self.url} asks to slow down (429): try again later."
        reply = f": {said}" if said else ""
        return (
            f"{self.url} answered {status}{reply}. What it was sent is not counted as sent, "
            "and is sent again next time."
        )


# ----------------------------------------------------------------------- hub: what to send


def ensure_peer(db: sqlite_utils.Database, url: str) -> dict:
    """The hub_peers row of this upstream, made on first push."""
    db.execute("INSERT OR IGNORE INTO hub_peers (url, last_acked_seq) VALUES (?, 0)", [url])
    return next(db.query("SELECT * FROM hub_peers WHERE url = ?", [url]))


def _changes(
    db: sqlite_utils.Database, where: str, params: list, limit: int = -1
) -> Iterator[tuple[int, dict]]:
    """(seq, record with device and facilitator ids) of current rows and kept revisions."""
    columns = ", ".join(_COLUMNS)
    cursor = db.execute(
        f"SELECT id, {columns} FROM session_logs WHERE {where} UNION ALL "
        f"SELECT log_id AS id, {columns} FROM session_log_revisions WHERE {where} "
        "ORDER BY seq LIMIT ?",
        [*params, *params, limit],
    )
    names = [column[0] for column in cursor.description]
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        record = row_to_record(row)
        record["device_id"], record["facilitator_id"] = row["device_id"], row["facilitator_id"]
        yield row["seq"], record


def pending_count(db: sqlite_utils.Database, after: int) -> int:
    """How many changes (current rows and kept revisions) have a seq above `after`."""
    return db.execute(
        "SELECT (SELECT COUNT(*) FROM session_logs WHERE seq > ?) + "
        "(SELECT COUNT(*) FROM session_log_revisions WHERE seq > ?)",
        [after, after],
    ).fetchone()[0]


def batches(
    changes: Iterable[tuple[int, dict]], size: int, max_bytes: int = MAX_BATCH_BYTES
) -> Iterator[list[tuple[int, dict]]]:
    """Changes in batches of at most `size` records and about `max_bytes` of JSON."""
    batch: list[tuple[int, dict]] = []
    total = 0
    for seq, record in changes:
        length = len(json.dumps(record, ensure_ascii=False).encode()) + 1
        if batch and (len(batch) >= size or total + length > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append((seq, record))
        total += length
    if batch:
        yield batch


def next_batch(db: sqlite_utils.Database, after: int, size: int) -> list[tuple[int, dict]]:
    """The next changes after `after`, in seq order: one batch, or [] when nothing is pending."""
    return next(batches(_changes(db, "seq > ?", [after], limit=size), size), [])


def hub_people(db: sqlite_utils.Database) -> tuple[list[dict], list[dict]]:
    """What central needs to know of this hub's people: never a token or a token's hash."""
    facilitators = list(
        db.query("SELECT id, name, country, created_at FROM facilitators ORDER BY created_at, id")
    )
    devices = list(
        db.query(
            "SELECT id, facilitator_id, created_at, revoked_at FROM devices ORDER BY created_at, id"
        )
    )
    return facilitators, devices


@dataclass
class PushReport:
    """What one push did."""

    url: str
    people: dict[str, Counter] = field(
        default_factory=lambda: {"facilitators": Counter(), "devices": Counter()}
    )
    statuses: Counter = field(default_factory=Counter)
    batches: int = 0
    refused: int = 0  # records central still refuses after this push
    pending: int = 0

    def summary(self) -> str:
        people = ", ".join(
            f"{sum(counts.values())} {kind} ({counts['created']} new)"
            for kind, counts in self.people.items()
        )
        sent = sum(self.statuses.values())
        answers = ", ".join(f"{self.statuses[s]} {s}" for s in STATUSES if self.statuses[s])
        line = f"Pushed to {self.url}: {people}; {sent} records in {self.batches} batches"
        return line + (f" ({answers})." if answers else ".")


def _check_results(answer: Any, records: Sequence[dict], url: str) -> list[dict]:
    """Central's results, one per record in order, or PushError: then nothing is acknowledged."""
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list) or len(results) != len(records):
        raise PushError(f"{url} answered without one result per record: nothing counted as sent.")
    for record, result in zip(records, results, strict=True):
        if (
            not isinstance(result, dict)
            or result.get("status") not in STATUSES
            or str(result.get("id")).lower() != record["id"]
            or result.get("rev") != record["rev"]
        ):
            raise PushError(f"{url} answered with results that do not match the records sent.")
    return results


def _acknowledge(
    db: sqlite_utils.Database,
    url: str,
    batch: Sequence[tuple[int, dict]],
    results: Sequence[dict],
    advance: bool,
    now: str,
) -> None:
    """Record central's answers in one transaction: refusals kept, `last_acked_seq` moved on."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        for (seq, record), result in zip(batch, results, strict=True):
            if result["status"] == "invalid":
                errors = result.get("errors") if isinstance(result.get("errors"), dict) else {}
                conn.execute(
                    "INSERT OR REPLACE INTO hub_push_refused "
                    "(url, seq, log_id, rev, errors, refused_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [url, seq, record["id"], record["rev"], json.dumps(errors), now],
                )
            else:
                conn.execute("DELETE FROM hub_push_refused WHERE url = ? AND seq = ?", [url, seq])
        if advance:
            conn.execute(
                "UPDATE hub_peers SET last_acked_seq = MAX(last_acked_seq, ?) WHERE url = ?",
                [batch[-1][0], url],
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _send(
    db: sqlite_utils.Database,
    upstream: Upstream,
    batch: Sequence[tuple[int, dict]],
    report: PushReport,
    advance: bool,
) -> None:
    records = [record for _seq, record in batch]
    answer = upstream.post(SYNC_PATH, {"records": records, "app_version": APP_VERSION})
    results = _check_results(answer, records, upstream.url)
    _acknowledge(db, upstream.url, batch, results, advance, iso(utc_now()))
    report.statuses.update(result["status"] for result in results)
    report.batches += 1


def _push_people(db: sqlite_utils.Database, upstream: Upstream, report: PushReport) -> None:
    """Facilitators first, then devices (central needs a device's facilitator), in chunks.

    Always at least one request: it checks the token before any log is sent.
    """
    facilitators, devices = hub_people(db)
    chunks = [{"facilitators": [], "devices": []}]
    for kind, items in (("facilitators", facilitators), ("devices", devices)):
        for start in range(0, len(items), MAX_PEOPLE):
            chunks.append(
                {"facilitators": [], "devices": [], kind: items[start : start + MAX_PEOPLE]}
            )
    for chunk in chunks:
        answer = upstream.post(PEOPLE_PATH, chunk)
        for kind in ("facilitators", "devices"):
            counts = answer.get(kind) if isinstance(answer, dict) else None
            report.people[kind].update(counts if isinstance(counts, dict) else {})


def push(
    db: sqlite_utils.Database,
    upstream: Upstream,
    batch_size: int = MAX_RECORDS,
) -> PushReport:
    """Push people, refused records again, then every change after the last acknowledged one.

    Raises PushError when the upstream cannot take them (recorded as the peer's last error); what was
    acknowledged before stays acknowledged, so the next push resumes from there.
    """
    url = upstream.url
    ensure_peer(db, url)
    report = PushReport(url)
    try:
        _push_people(db, upstream, report)
        refused = "seq IN (SELECT seq FROM hub_push_refused WHERE url = ?)"
        again = list(_changes(db, refused, [url]))
        db.execute(  # kept revisions that no longer exist: nothing is left to send
            f"DELETE FROM hub_push_refused WHERE url = ? AND seq NOT IN "
            f"({','.join('?' * len(again))})",
            [url, *(seq for seq, _ in again)],
        )
        for batch in batches(again, batch_size):
            _send(db, upstream, batch, report, advance=False)
        while True:
            after = db.execute(
                "SELECT last_acked_seq FROM hub_peers WHERE url = ?", [url]
            ).fetchone()[0]
            batch = next_batch(db, after, batch_size)
            if not batch:
                break
            _send(db, upstream, batch, report, advance=True)
    except PushError as failure:
        db.execute(
            "UPDATE hub_peers SET last_error = ?, last_error_at = ? WHERE url = ?",
            [str(failure), iso(utc_now()), url],
        )
        raise
    db.execute(
        "UPDATE hub_peers SET last_push_at = ?, last_error = NULL, last_error_at = NULL "
        "WHERE url = ?",
        [iso(utc_now()), url],
    )
    report.refused = db["hub_push_refused"].count_where("url = ?", [url])
    return report


def peer_status(db: sqlite_utils.Database) -> list[dict]:
    """Each upstream: last push, pending changes, refused records, last error."""
    peers = []
    for peer in db.query("SELECT * FROM hub_peers ORDER BY url"):
        peer["pending"] = pending_count(db, peer["last_acked_seq"] or 0)
        peer["refused"] = list(
            db.query(
                "SELECT seq, log_id, rev, errors, refused_at FROM hub_push_refused "
                "WHERE url = ? ORDER BY seq",
                [peer["url"]],
            )
        )
        peers.append(peer)
    return peers


def retry_delay(failures: int, interval: float) -> float:
    """Seconds to wait after `failures` failed pushes in a row: 30 s, 1 m, 2 m … at most `interval`."""
    first = min(FIRST_RETRY, interval)
    return min(interval, first * 2 ** min(failures - 1, 30))


def keep_pushing(
    push_once: Callable[[], PushReport],
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    echo: Callable[..., None] = click.echo,
) -> None:
    """Push now and then every `interval` seconds; after a failure retry sooner, backing off.

    Never gives up (a service must keep trying); Ctrl-C (KeyboardInterrupt) ends it.
    """
    failures = 0
    while True:
        try:
            report = push_once()
        except (PushError, sqlite3.Error) as failure:
            failures += 1
            delay = retry_delay(failures, interval)
            echo(
                f"{iso(utc_now())} push failed ({failures} in a row): {failure} "
                f"Next try in {format_seconds(delay)}.",
                err=True,
            )
        else:
            failures = 0
            delay = interval
            echo(f"{iso(utc_now())} {report.summary()}")
            if report.refused:
                echo(refused_warning(report.refused), err=True)
        sleep(delay)


def format_seconds(seconds: float) -> str:
    """90 -> '1m30s'."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"


def refused_warning(count: int) -> str:
    return (
        f"{count} record(s) refused by the central server are kept here and sent again on every "
        "push: see `toolkit sync status` (often the central server needs the same content update)."
    )


# --------------------------------------------------------------------------------- commands


class Interval(click.ParamType):
    """'10m', '30s', '1h', '90' (seconds) -> seconds."""

    name = "interval"
    _UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

    def convert(self, value, param, ctx):
        if isinstance(value, int | float):
            return float(value)
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value).lower())
        seconds = float(match[1]) * self._UNITS[match[2]] if match else 0
        if seconds < 1:
            self.fail(f"{value!r} is not an interval: write it like 30s, 10m or 1h", param, ctx)
        return seconds


def _database() -> sqlite_utils.Database:
    init_db(current_app.config["DATABASE"])
    return connect(current_app.config["DATABASE"])


def read_token(token: str | None, token_file: str | None) -> str:
    """The hub token from --token or the file (read again each time: a replaced file just works)."""
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as failure:
            raise PushError(
                f"Cannot read the token file {token_file}: {failure.strerror}."
            ) from None
        if not token:
            raise PushError(f"The token file {token_file} is empty: put the hub token in it.")
    return (token or "").strip()


@click.group("sync")
def sync_group() -> None:
    """On a field hub: push its logs to the central server, and show how far that got."""


@sync_group.command("push")
@click.option(
    "--to", "url", required=True, help="The central server, e.g. https://toolkit.example.org"
)
@click.option(
    "--token",
    help="The hub token (other users can see it in the process list: prefer --token-file).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    help="A file holding the hub token from `toolkit create-hub-token` (read before every push).",
)
@click.option(
    "--every",
    type=Interval(),
    default=None,
    help="Keep pushing, e.g. every 10m (30s, 1h); after a failure retry sooner, backing off. Ctrl-C stops.",
)
@click.option(
    "--batch",
    type=click.IntRange(1, MAX_RECORDS),
    default=MAX_RECORDS,
    show_default=True,
    help="Records per request.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 600),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for the central server's answer.",
)
@click.option(
    "--from-start",
    is_flag=True,
    help="Send everything again (after the central database was restored from an older backup).",
)
@with_appcontext
def push_command(
    url: str,
    token: str | None,
    token_file: str | None,
    every: float | None,
    batch: int,
    timeout: float,
    from_start: bool,
) -> None:
    """Send this hub's facilitators, devices and session logs to the central server."""
    if bool(token) == bool(token_file):
        raise click.UsageError("Give the hub token with either --token or --token-file.")
    try:
        target = normalise_url(url)
    except PushError as problem:
        raise click.UsageError(str(problem)) from None
    host = urllib.parse.urlsplit(target).hostname or ""
    if target.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"Warning: {target} is plain HTTP: the hub token and logs travel unencrypted.", err=True
        )
    if from_start:
        db = _database()
        try:
            ensure_peer(db, target)
            db.execute("UPDATE hub_peers SET last_acked_seq = 0 WHERE url = ?", [target])
        finally:
            db.conn.close()

    def push_once() -> PushReport:
        upstream = Upstream(target, read_token(token, token_file), timeout)
        db = _database()
        try:
            return push(db, upstream, batch)
        finally:
            db.conn.close()

    if every is not None:
        click.echo(f"Pushing to {target} every {format_seconds(every)}; Ctrl-C stops.")
        try:
            keep_pushing(push_once, every)
        except KeyboardInterrupt:
            click.echo("Stopped.")
        return
    try:
        report = push_once()
    except PushError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(report.summary())
    if report.refused:
        raise click.ClickException(refused_warning(report.refused))
    click.echo("Everything is acknowledged: nothing pending.")


@sync_group.command("status")
@with_appcontext
def status_command() -> None:
    """Show each upstream: last push, records waiting, records refused, last error."""
    db = _database()
    try:
        peers = peer_status(db)
        if not peers:
            click.echo(
                f"No push yet; {pending_count(db, 0)} changes to send. Push with: toolkit sync "
                "push --to URL --token-file FILE"
            )
            return
        for peer in peers:
            click.echo(peer["url"])
            click.echo(f"  last push:  {peer['last_push_at'] or 'never completed'}")
            click.echo(
                f"  pending:    {peer['pending']} (acknowledged up to change {peer['last_acked_seq']})"
            )
            if peer["refused"]:
                click.echo(
                    f"  refused:    {len(peer['refused'])}, kept here, sent again every push:"
                )
                for row in peer["refused"]:
                    errors = "; ".join(f"{k}: {v}" for k, v in json.loads(row["errors"]).items())
                    click.echo(f"    log {row['log_id']} rev {row['rev']}: {errors}")
            click.echo(
                f"  last error: {peer['last_error_at']} {peer['last_error']}"
                if peer["last_error"]
                else "  last error: none"
            )
    finally:
        db.conn.close()


@click.command("create-hub-token")
@click.argument("name")
@click.option(
    "--replace", is_flag=True, help="Give an existing hub a new token; its old one stops working."
)
@with_appcontext
def create_hub_token_command(name: str, replace: bool) -> None:
    """On the central server: register a field hub and print its token (shown only once)."""
    db = _database()
    try:
        hub, token = create_hub(db, name, replace=replace)
    except HubError as problem:
        raise click.ClickException(str(problem)) from None
    finally:
        db.conn.close()
    click.echo(f"Hub {hub['name']!r} (id {hub['id']}).")
    click.echo(f"token: {token}")
    click.echo(
        "This token is shown only now. On the hub, save it in a file only the toolkit user can "
        "read (e.g. /etc/toolkit/hub-token, chmod 600) and run: toolkit sync push --to "
        "https://THIS-SERVER --token-file /etc/toolkit/hub-token"
    )


@click.command("revoke-hub")
@click.argument("name")
@with_appcontext
def revoke_hub_command(name: str) -> None:
    """On the central server: stop a field hub's token from working (what it sent stays)."""
    db = _database()
    try:
        hub = revoke_hub(db, name)
    except HubError as problem:
        raise click.ClickException(str(problem)) from None
    finally:
        db.conn.close()
    click.echo(f"Hub {hub['name']!r} can no longer push (revoked {hub['revoked_at']}).")


def init_app(app: Flask) -> None:
    """The people endpoint (token-authenticated: no CSRF) and the hub commands."""
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
    for command in (sync_group, create_hub_token_command, revoke_hub_command):
        app.cli.add_command(command)
