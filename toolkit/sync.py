"""Session-log sync: validate a record, hash its client fields, ingest a batch in one transaction.

DESIGN.md "Sync protocol" and notes/sync-contract.md are the contract. No Flask import: the API view,
the demo data and the tests call these functions directly.

A batch is ingested in ONE `BEGIN IMMEDIATE` transaction: sqlite-utils' `atomic()` begins a deferred
transaction, and a read-then-write under concurrency then fails with "database is locked" whatever the
busy timeout. Every valid record of a batch commits together, or none does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .migrations import LOG_FIELDS
from .vocabulary import DISTRICTS, REFERRAL_TYPES, THEMES, VENUE_TYPES, vocabulary_from

# The record's limits. The phone reads the same numbers from static/js/record-rules.js, which
# build.py writes from these (toolkit/build/browser_rules.py): change them here, then run build.py.
MAX_RECORDS = 200
# A sync request's body, at most (DESIGN.md: 200 records / 1 MB); the app's MAX_CONTENT_LENGTH too.
MAX_REQUEST_BYTES = 1024 * 1024
# What a sender (a phone, a hub pushing) puts in one request: room is left under MAX_REQUEST_BYTES
# for the request's own fields and for a size estimate that comes out a little low.
MAX_BATCH_BYTES = MAX_REQUEST_BYTES - 100 * 1024
MAX_TEXT = 2000
MIN_MINUTES = 1
MAX_MINUTES = 600
MAX_COUNT = 500
MAX_REV = 1_000_000
MAX_VERSION = 64
EARLIEST_HELD_ON = dt.date(2000, 1, 1)
# held_on may be this many days after the server's today: phone clocks are often wrong.
HELD_ON_DAYS_AHEAD = 1
STATUSES = ("created", "updated", "unchanged", "stale", "conflict", "invalid")

# Ids that a device token never sets (they come from the token); a hub token relays them.
RELAY_FIELDS = ("device_id", "facilitator_id")
# Every key a record may carry, in the order the phone sends them.
CLIENT_FIELDS = ("id", "rev", *LOG_FIELDS, "created_at", "updated_at")
_ALLOWED_KEYS = frozenset(CLIENT_FIELDS) | frozenset(RELAY_FIELDS)
_JSON_FIELDS = ("steps_done", "themes", "requested", "referrals")
# One encoder for the hash and the stored JSON columns (json.dumps would build one per call).
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
# Identifiers and dates are checked with re.fullmatch, never `$`: `$` also matches before a final
# newline, and "<uuid>\n" would pass as a second copy of an existing log. ASCII digits only.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What phones and servers write: "2026-11-20T10:06:00Z" (fractions and offsets allowed).
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
# JSON deeper than this is not a batch of logs (records > log > referrals > count is 4 deep).
MAX_JSON_DEPTH = 16
# Half of a UTF-16 pair (JSON "\ud83d" alone, e.g. an emoji cut by a length limit): SQLite and
# hashlib cannot encode it, so such text is refused here instead of failing the whole batch.
HALF_CHARACTER = re.compile("[\ud800-\udfff]")
_ROW_COLUMNS = (
    "id",
    "rev",
    "device_id",
    "facilitator_id",
    *LOG_FIELDS,
    "created_at",
    "updated_at",
    "received_at",
    "content_hash",
    "relayed_by",
    "seq",
    "conflict",
)
_REVISION_COLUMNS = ("log_id", *_ROW_COLUMNS[1:], "superseded_at", "reason")


def N_(message: str) -> str:
    """Mark a message for extraction (Babel's `N_` keyword); the API translates it when it answers."""
    return message


# Field error messages. English here, translated in the request's language by the API.
REQUIRED = N_("required: add this field")
UNKNOWN_FIELD = N_("unknown field")
NOT_TEXT = N_("must be text")
NOT_TIMESTAMP = N_("must be a time written like 2026-11-20T10:06:00Z")
TOO_LONG = N_("too long: at most %(max)s characters")
BROKEN_CHARACTER = N_(
    "has a broken character (often half an emoji): delete the last characters and type them again"
)
NOT_WHOLE_NUMBER = N_("must be a whole number from %(min)s to %(max)s")
NOT_UUID = N_("must be an id like 1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed")
NOT_BOOLEAN = N_("must be true or false")
NOT_DATE = N_("must be a date written like 2026-11-20")
DATE_TOO_EARLY = N_("is before the year 2000: check the date")
DATE_IN_FUTURE = N_("is in the future: check the date and the phone's clock")
UNKNOWN_GUIDE = N_("unknown guide '%(value)s': choose a guide from the list")
UNKNOWN_LANGUAGE = N_("unknown language: use ne, en or ur")
UNKNOWN_DISTRICT = N_("unknown district '%(value)s': choose a district from the list")
UNKNOWN_VENUE = N_("unknown venue type '%(value)s': choose one from the list")
NOT_LIST = N_("must be a list")
UNKNOWN_STEP = N_("'%(value)s' is not a step of this guide")
UNKNOWN_THEME = N_("unknown theme '%(value)s': choose themes from the list")
UNKNOWN_REFERRAL = N_("unknown referral type '%(value)s': choose one from the list")
LISTED_TWICE = N_("'%(value)s' is listed twice")
NOT_COUNTS = N_('must be counts by referral type, like {"legal-aid": 2}')
MORE_RETURNEES = N_("cannot be more than the number of participants")
NOT_A_LOG = N_("is not a log: each log must be a JSON object")
NOT_HUB_DEVICE = N_(
    "this phone was not registered by this hub for this facilitator: push the hub's devices first"
)
OTHER_FACILITATOR = N_("this log belongs to another facilitator: save it as a new log")
NOT_HUB_FACILITATOR = N_(
    "this facilitator was not registered by this hub: push the hub's facilitators first"
)


# Whole-request problems (a 400, or 413 for too many records): the batch cannot be read at all.
NOT_JSON = N_('The request must be JSON like {"records": [...]}.')
TOO_DEEP = N_("The request is nested too deeply: send JSON at most %(depth)s levels deep.")
RECORDS_NOT_LIST = N_('"records" must be a list of logs.')
RECORD_NOT_OBJECT = N_("Log number %(number)s is not a log: each log must be a JSON object.")
VERSION_NOT_TEXT = N_('"%(name)s" must be text.')
TOO_LARGE = N_("Too much in one request: send at most %(records)s logs and at most 1 MB at a time.")


class BadBatch(ValueError):
    """A request body that is not a batch of logs: a message (a msgid), its parameters, a status."""

    def __init__(self, message: str, status: int = 400, **params: Any):
        super().__init__(message)
        self.message, self.status, self.params = message, status, params


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Is a parsed JSON value nested more than `limit` levels? (A loop: no recursion to overflow.)"""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return False


def parse_json(data: bytes | str) -> Any:
    """A request body as JSON, or BadBatch: malformed, not UTF-8, or nested too deeply.

    The JSON parser itself gives up (RecursionError) somewhere below Python's recursion limit;
    MAX_JSON_DEPTH keeps what passes shallow, so nothing later can overflow either.
    """
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as failure:
        if isinstance(failure, RecursionError):
            raise BadBatch(TOO_DEEP, depth=MAX_JSON_DEPTH) from None
        raise BadBatch(NOT_JSON) from None
    if too_deep(value):
        raise BadBatch(TOO_DEEP, depth=MAX_JSON_DEPTH)
    return value


def batch_records(body: Any, limit: int | None = MAX_RECORDS) -> list[dict]:
    """The records of a sync body or an unsent-logs file, or BadBatch saying what is wrong.

    Every record must be a JSON object (each is then validated on its own by `validate_record`);
    `limit` bounds a sync request (None: a file, bounded by its size only).
    """
    if not isinstance(body, dict):
        raise BadBatch(NOT_JSON)
    records = body.get("records")
    if not isinstance(records, list):
        raise BadBatch(RECORDS_NOT_LIST)
    if limit is not None and len(records) > limit:
        raise BadBatch(TOO_LARGE, status=413, records=limit)
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise BadBatch(RECORD_NOT_OBJECT, number=number)
    for name in ("app_version", "content_version"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise BadBatch(VERSION_NOT_TEXT, name=name)
    return records


def is_uuid(value: Any) -> bool:
    """A lower-case UUID and nothing else (no trailing newline, no spaces): every id we store."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def is_timestamp(value: Any) -> bool:
    """A time as phones and servers write it, '2026-11-20T10:06:00Z', that is a real moment."""
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field: an English message (a msgid) and its parameters."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % self.params if self.params else self.message


@dataclass(frozen=True)
class SyncRules:
    """What a valid record may contain on this server: guides and their steps, vocabularies."""

    steps: Mapping[str, frozenset[str]]  # guide slug -> step ids (the same in every language)
    guides: frozenset[str]
    languages: frozenset[str]
    themes: frozenset[str]
    venue_types: frozenset[str]
    referral_types: frozenset[str]
    districts: Mapping[str, frozenset[str]]  # country -> districts

    def districts_for(self, country: str | None) -> frozenset[str]:
        """The country's districts; a relayed record of an unknown country may use any of them."""
        if country in self.districts:
            return self.districts[country]
        return frozenset().union(*self.districts.values())


def rules_from(library, languages: Iterable[str], config: Mapping | None = None) -> SyncRules:
    """Rules from the content library (`toolkit.content.Library`) and the deployment's config.

    Configured vocabularies add to the built-in ones, so a record valid yesterday stays valid.
    """
    config = config or {}
    steps: dict[str, set[str]] = {}
    for (_lang, slug), guide in library.guides.items():
        steps.setdefault(slug, set()).update(step.id for step in guide.steps)
    districts = {country: set(names) for country, names in DISTRICTS.items()}
    for country, names in (vocabulary_from(config, "DISTRICTS", {}) or {}).items():
        districts.setdefault(country, set()).update(names)
    return SyncRules(
        steps={slug: frozenset(ids) for slug, ids in steps.items()},
        guides=frozenset(steps),
        languages=frozenset(languages),
        themes=frozenset(THEMES) | frozenset(vocabulary_from(config, "THEMES", ())),
        venue_types=frozenset(VENUE_TYPES) | frozenset(vocabulary_from(config, "VENUE_TYPES", ())),
        referral_types=frozenset(REFERRAL_TYPES)
        | frozenset(vocabulary_from(config, "REFERRAL_TYPES", ())),
        districts={country: frozenset(names) for country, names in districts.items()},
    )


@dataclass(frozen=True)
class Sender:
    """Who sends a batch, from the token: a device (ids fixed) or a hub (relays the records' ids)."""

    device_id: str | None
    facilitator_id: str | None
    country: str | None
    hub_id: str | None = None

    @property
    def is_hub(self) -> bool:
        return self.hub_id is not None


@dataclass
class SyncResult:
    """The answer for one record, in the order the records came."""

    id: Any
    rev: Any
    status: str
    errors: dict[str, FieldError] | None = None
    current: dict | None = None

    def to_json(self, translate=str) -> dict:
        """The contract's result object; `translate(FieldError)` gives the message to show."""
        out: dict[str, Any] = {"id": self.id, "rev": self.rev, "status": self.status}
        if self.errors:
            out["errors"] = {name: translate(error) for name, error in self.errors.items()}
        if self.current is not None:
            out["current"] = self.current
        return out


def _whole(value: Any, low: int, high: int) -> FieldError | None:
    """A whole number in [low, high] (JSON true/false and 7.0 are not numbers here)."""
    if type(value) is not int or not low <= value <= high:
        return FieldError(NOT_WHOLE_NUMBER, {"min": low, "max": high})
    return None


def _text(value: Any, limit: int) -> tuple[str, FieldError | None]:
    """Free text: null counts as empty."""
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", FieldError(NOT_TEXT)
    if len(value) > limit:
        return value, FieldError(TOO_LONG, {"max": limit})
    if HALF_CHARACTER.search(value):
        return value, FieldError(BROKEN_CHARACTER)
    return value, None


def _shown(text: str, limit: int = 60) -> str:
    """Text from a request as an error message may quote it: cut short, broken characters as '?'.

    (Half of a UTF-16 pair cannot be written into an HTML page or a log line.)
    """
    return HALF_CHARACTER.sub("?", text[:limit])


def _code(
    value: Any, allowed: frozenset[str], message: str, required: bool = True
) -> FieldError | None:
    """One code from `allowed` (a guide, language, district, venue type): text, and known."""
    if value is None:
        return FieldError(REQUIRED) if required else None
    if not isinstance(value, str):
        return FieldError(NOT_TEXT)
    if value not in allowed:
        return FieldError(message, {"value": _shown(value)})
    return None


def _choices(value: Any, allowed: frozenset[str], message: str) -> tuple[list, FieldError | None]:
    """A list of distinct codes, each from `allowed`; null counts as empty."""
    if value is None:
        return [], None
    if not isinstance(value, list):
        return [], FieldError(NOT_LIST)
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            return value, FieldError(message, {"value": type(item).__name__})
        if item not in allowed:
            return value, FieldError(message, {"value": _shown(item)})
        if item in seen:
            return value, FieldError(LISTED_TWICE, {"value": _shown(item)})
        seen.add(item)
    return value, None


def validate_record(
    record: Mapping[str, Any],
    rules: SyncRules,
    country: str | None,
    today: dt.date,
    relayed: bool = False,
) -> tuple[dict, dict[str, FieldError]]:
    """Check one record as the phone sent it.

    Returns the record in canonical form (every client field, defaults filled in) and the field
    errors; the record may be stored only when there are none. `country` picks the district list;
    `today` is the server's date (`held_on` may be at most one day later: phone clocks are often
    wrong). `relayed` (a hub token) requires the body's device_id and facilitator_id.
    """
    errors: dict[str, FieldError] = {}
    if not isinstance(record, Mapping):
        return {}, {"record": FieldError(NOT_A_LOG)}
    for key in record:
        if key not in _ALLOWED_KEYS:
            errors[_shown(key)] = FieldError(UNKNOWN_FIELD)
    clean: dict[str, Any] = {}

    log_id = record.get("id")
    if log_id is None:
        errors["id"] = FieldError(REQUIRED)
    elif not isinstance(log_id, str) or not is_uuid(log_id.lower()):
        errors["id"] = FieldError(NOT_UUID)
    else:
        clean["id"] = log_id.lower()
    clean["rev"] = record.get("rev")
    if (error := _whole(clean["rev"], 1, MAX_REV)) is not None:
        errors["rev"] = error if "rev" in record else FieldError(REQUIRED)

    guide = clean["guide"] = record.get("guide")
    if (error := _code(guide, rules.guides, UNKNOWN_GUIDE)) is not None:
        errors["guide"] = error
    clean["lang"] = record.get("lang")
    if (error := _code(clean["lang"], rules.languages, UNKNOWN_LANGUAGE)) is not None:
        errors["lang"] = error
    for name in ("content_version", "app_version"):
        clean[name], error = _text(record.get(name), MAX_VERSION)
        if error:
            errors[name] = error

    held_on = clean["held_on"] = record.get("held_on")
    if held_on is None:
        errors["held_on"] = FieldError(REQUIRED)
    else:
        try:
            if not isinstance(held_on, str) or not _DATE.fullmatch(held_on):
                raise ValueError(held_on)
            day = dt.date.fromisoformat(held_on)
        except ValueError:
            errors["held_on"] = FieldError(NOT_DATE)
        else:
            if day < EARLIEST_HELD_ON:
                errors["held_on"] = FieldError(DATE_TOO_EARLY)
            elif day > today + dt.timedelta(days=HELD_ON_DAYS_AHEAD):
                errors["held_on"] = FieldError(DATE_IN_FUTURE)

    for name, low, high in (("minutes", MIN_MINUTES, MAX_MINUTES), ("participants", 0, MAX_COUNT)):
        clean[name] = record.get(name)
        if (error := _whole(clean[name], low, high)) is not None:
            errors[name] = error if name in record else FieldError(REQUIRED)
    returnees = clean["returnees"] = record.get("returnees")
    if returnees is not None:
        if (error := _whole(returnees, 0, MAX_COUNT)) is not None:
            errors["returnees"] = error
        elif type(clean["participants"]) is int and returnees > clean["participants"]:
            errors["returnees"] = FieldError(MORE_RETURNEES)

    district = clean["district"] = record.get("district")
    if (error := _code(district, rules.districts_for(country), UNKNOWN_DISTRICT)) is not None:
        errors["district"] = error
    venue = clean["venue_type"] = record.get("venue_type")
    if (error := _code(venue, rules.venue_types, UNKNOWN_VENUE)) is not None:
        errors["venue_type"] = error

    steps = rules.steps.get(guide, frozenset()) if "guide" not in errors else frozenset()
    for name, allowed, message in (
        ("steps_done", steps, UNKNOWN_STEP),
        ("themes", rules.themes, UNKNOWN_THEME),
        ("requested", rules.guides, UNKNOWN_GUIDE),
    ):
        clean[name], error = _choices(record.get(name), allowed, message)
        if error and not (name == "steps_done" and "guide" in errors):
            errors[name] = error

    referrals = record.get("referrals")
    clean["referrals"] = {} if referrals is None else referrals
    if referrals is not None:
        if not isinstance(referrals, dict):
            errors["referrals"] = FieldError(NOT_COUNTS)
        else:
            for kind, count in referrals.items():
                if kind not in rules.referral_types:
                    errors["referrals"] = FieldError(UNKNOWN_REFERRAL, {"value": _shown(kind)})
                    break
                if (error := _whole(count, 0, MAX_COUNT)) is not None:
                    errors["referrals"] = error
                    break

    for name in ("market_info", "notes"):
        clean[name], error = _text(record.get(name), MAX_TEXT)
        if error:
            errors[name] = error
    voided = record.get("voided", False)
    clean["voided"] = voided
    if type(voided) is not bool:
        errors["voided"] = FieldError(NOT_BOOLEAN)
    for name in ("created_at", "updated_at"):
        value = record.get(name)
        clean[name] = value
        if value is not None and not is_timestamp(value):
            errors[name] = FieldError(NOT_TIMESTAMP)

    if relayed:
        for name in RELAY_FIELDS:
            value = record.get(name)
            if value is None:
                errors[name] = FieldError(REQUIRED)
            elif not is_uuid(value):
                errors[name] = FieldError(NOT_UUID)
            else:
                clean[name] = value
    return clean, errors


def content_hash(clean: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical client fields (LOG_FIELDS, in order): "same content" in DESIGN.md.

    Canonical: compact JSON, keys of `referrals` sorted, text as it came. `id`, `rev` and the
    client's timestamps are not content.
    """
    canonical = _CANONICAL_JSON([clean[name] for name in LOG_FIELDS])
    return hashlib.sha256(canonical.encode()).hexdigest()


def row_to_record(row: Mapping[str, Any]) -> dict:
    """A stored row (session_logs or a revision) as the phone's record: the `current` of a result."""
    record = {name: row[name] for name in CLIENT_FIELDS if name != "id"}
    record["id"] = row["id"] if "id" in row else row["log_id"]
    for name in _JSON_FIELDS:
        record[name] = (
            json.loads(record[name]) if record[name] else ([] if name != "referrals" else {})
        )
    record["voided"] = bool(record["voided"])
    return {name: record[name] for name in CLIENT_FIELDS}


def _row(clean: dict, sender: Sender, digest: str, received_at: str, seq: int) -> dict:
    """The session_logs row for a valid record."""
    row = dict(clean)
    for name in _JSON_FIELDS:
        row[name] = _CANONICAL_JSON(clean[name])
    row["voided"] = int(clean["voided"])
    if not sender.is_hub:
        row["device_id"], row["facilitator_id"] = sender.device_id, sender.facilitator_id
    row["received_at"] = received_at
    row["content_hash"] = digest
    row["relayed_by"] = sender.hub_id
    row["seq"] = seq
    row["conflict"] = 0
    return row


def _revision(row: Mapping[str, Any], when: str, reason: str) -> tuple:
    """A row kept in session_log_revisions: superseded, or a copy that lost (conflict, stale)."""
    return (*(row[name] for name in _ROW_COLUMNS), when, reason)


@dataclass(frozen=True)
class HubScope:
    """What a hub token may write: logs of the facilitators and phones that hub registered.

    Checked inside the ingest transaction, so the people the hub pushed just before count.
    """

    countries: Mapping[str, str]  # facilitator id -> her country
    devices: Mapping[str, str]  # device id -> its facilitator id

    @classmethod
    def of(cls, conn, hub_id: str) -> HubScope:
        return cls(
            countries=dict(
                conn.execute("SELECT id, country FROM facilitators WHERE hub_id = ?", [hub_id])
            ),
            devices=dict(
                conn.execute("SELECT id, facilitator_id FROM devices WHERE hub_id = ?", [hub_id])
            ),
        )

    def refusal(self, clean: Mapping[str, Any], rules: SyncRules) -> dict[str, FieldError] | None:
        """The field errors of a relayed record outside this hub's scope, or None when it may."""
        facilitator = clean["facilitator_id"]
        if facilitator not in self.countries:
            return {"facilitator_id": FieldError(NOT_HUB_FACILITATOR)}
        if self.devices.get(clean["device_id"]) != facilitator:
            return {"device_id": FieldError(NOT_HUB_DEVICE)}
        # The facilitator's own country picks the districts (a device token's record: the same).
        if clean["district"] not in rules.districts.get(self.countries[facilitator], ()):
            return {"district": FieldError(UNKNOWN_DISTRICT, {"value": _shown(clean["district"])})}
        return None


def utc_now() -> dt.datetime:
    """The server clock, in UTC."""
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """'2026-11-20T10:06:00Z' — the timestamps of the API and the database."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _echo(record: Any) -> tuple[str | None, int | None]:
    """The id and rev a result repeats: only as text and a whole number (never a list, NaN…)."""
    if not isinstance(record, Mapping):
        return None, None
    log_id, rev = record.get("id"), record.get("rev")
    return (
        _shown(log_id, 100) if isinstance(log_id, str) else None,
        rev if type(rev) is int else None,
    )


def ingest(
    db: sqlite_utils.Database,
    records: Sequence[Mapping[str, Any]],
    sender: Sender,
    rules: SyncRules,
    now: dt.datetime | None = None,
    turn: contextlib.AbstractContextManager | None = None,
) -> list[SyncResult]:
    """Validate and store one batch; one result per record, in order.

    All valid records are written in one BEGIN IMMEDIATE transaction (a few queries for the whole
    batch); invalid ones are reported with field errors and nothing of them is stored. Raises
    sqlite3.Error when storage fails: then nothing was stored. `turn` is held around the
    transaction only (the API's one-writer-per-process lock), not around the validation.
    """
    now = now or utc_now()
    received_at = iso(now)
    today = now.astimezone(dt.UTC).date()
    results: list[SyncResult] = []
    valid: list[tuple[int, dict, str]] = []  # (index in results, clean record, content hash)
    for record in records:
        clean, errors = validate_record(record, rules, sender.country, today, sender.is_hub)
        results.append(SyncResult(*_echo(record), "invalid", errors or None))
        if not errors:
            valid.append((len(results) - 1, clean, content_hash(clean)))
    if not valid:
        return results

    with turn or contextlib.nullcontext():
        _store(db.conn, results, valid, sender, rules, received_at)
    return results


def _store(
    conn,
    results: list[SyncResult],
    valid: list[tuple[int, dict, str]],
    sender: Sender,
    rules: SyncRules,
    received_at: str,
) -> None:
    """Write the valid records of a batch in one BEGIN IMMEDIATE transaction; set their results."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        ids = sorted({clean["id"] for _, clean, _ in valid})
        marks = ",".join("?" * len(ids))
        cursor = conn.execute(f"SELECT * FROM session_logs WHERE id IN ({marks})", ids)
        names = [column[0] for column in cursor.description]
        current = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
        seq = conn.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]
        changed: dict[str, dict] = {}
        kept: list[tuple] = []
        # A hub relays only the logs of the people it registered: never anyone else's.
        scope = HubScope.of(conn, sender.hub_id) if sender.is_hub else None
        for index, clean, digest in valid:
            result = results[index]
            owner = clean.get("facilitator_id", sender.facilitator_id)
            if scope is not None and (refusal := scope.refusal(clean, rules)) is not None:
                result.errors = refusal
                continue
            row = current.get(clean["id"])
            if row is not None and row["facilitator_id"] != owner:
                result.errors = {"id": FieldError(OTHER_FACILITATOR)}
                continue
            if row is None or clean["rev"] > row["rev"]:
                seq += 1
                if row is not None:
                    kept.append(_revision(row, received_at, "superseded"))
                current[clean["id"]] = changed[clean["id"]] = _row(
                    clean, sender, digest, received_at, seq
                )
                result.status = "created" if row is None else "updated"
            elif clean["rev"] == row["rev"] and digest == row["content_hash"]:
                result.status = "unchanged"
            else:
                # A lower rev (stale) or the same rev with other content (conflict): the server's
                # row stays current, and her copy is kept too, so nothing is lost.
                seq += 1
                copy = _row(clean, sender, digest, received_at, seq)
                if clean["rev"] == row["rev"]:
                    result.status = "conflict"
                    if not row["conflict"]:
                        current[row["id"]] = changed[row["id"]] = row = {**row, "conflict": 1}
                else:
                    result.status = "stale"
                kept.append(_revision(copy, received_at, result.status))
                result.current = row_to_record(row)
        if kept:
            conn.executemany(
                f"INSERT OR IGNORE INTO session_log_revisions ({','.join(_REVISION_COLUMNS)}) "
                f"VALUES ({','.join('?' * len(_REVISION_COLUMNS))})",
                kept,
            )
        if changed:
            conn.executemany(
                # An upsert, not INSERT OR REPLACE: REPLACE deletes the old row without firing
                # delete triggers, and the report rollup's triggers must see the old row go.
                f"INSERT INTO session_logs ({','.join(_ROW_COLUMNS)}) "
                f"VALUES ({','.join('?' * len(_ROW_COLUMNS))}) ON CONFLICT (id) DO UPDATE SET "
                + ",".join(f"{name} = excluded.{name}" for name in _ROW_COLUMNS[1:]),
                [tuple(row[name] for name in _ROW_COLUMNS) for row in changed.values()],
            )
        conn.execute("UPDATE counters SET value = ? WHERE name = 'seq'", (seq,))
        if sender.device_id and not sender.is_hub:
            conn.execute(
                "UPDATE devices SET last_sync_at = ? WHERE id = ?", (received_at, sender.device_id)
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
