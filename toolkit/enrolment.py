"""Facilitators, one-time enrolment codes and device tokens.

A coordinator creates a facilitator and issues a code (`toolkit enrol NAME`); the phone exchanges the
code once for a device token (`POST /api/v1/enrol`). Tokens (32 random bytes) are stored as SHA-256
hashes. Codes have only 25^8 values, so a plain hash could be reversed by trying them all: they are
stored as HMAC-SHA-256 with a key kept in a file beside the database (`<name>-codes.key`, mode 0600),
never in it, so a copy of the database (a backup, a replica) recovers no code. No Flask import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from .db import immediate
from .keys import read_or_create_key
from .languages import ascii_digits
from .sync.record import iso, utc_now
from .tokens import hash_secret, new_token
from .vocabulary import COUNTRIES

# No 0/O, 1/I/L, 2/Z, 5/S or 8/B: read aloud or copied from paper, these get mixed up.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8
CODE_HOURS = 72
# Separators people type or copy along with the code.
_SEPARATORS = str.maketrans({"-": "", " ": "", "\u2010": "", "\u2011": "", "\u2013": ""})


class EnrolmentError(Exception):
    """A code that cannot be exchanged; `reason` is malformed | unknown | used | expired."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class FacilitatorError(Exception):
    """A facilitator that cannot be created or found, with a message saying what to do."""


@dataclass(frozen=True)
class Enrolled:
    """What the phone keeps after exchanging a code."""

    token: str
    device_id: str
    facilitator: dict  # id, name, country


_code_keys: dict[str, bytes] = {}


def code_key(db: sqlite_utils.Database) -> bytes:
    """The HMAC key for this database's enrolment codes, from the file beside it (created once)."""
    file = next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not file:  # an in-memory database: a key for this process only
        return _code_keys.setdefault("", secrets.token_bytes(32))
    if file not in _code_keys:
        database = Path(file)
        key = read_or_create_key(database.with_name(f"{database.stem}-codes.key"))
        _code_keys[file] = bytes.fromhex(key)
    return _code_keys[file]


def hash_code(db: sqlite_utils.Database, raw: str) -> str:
    """The stored form of an enrolment code (its 8 characters, as normalise_code gives them)."""
    return hmac.new(code_key(db), raw.encode(), hashlib.sha256).hexdigest()


def create_facilitator(
    db: sqlite_utils.Database, name: str, country: str, now: dt.datetime | None = None
) -> dict:
    """Add a facilitator with a new UUID. Names must be unique: `toolkit enrol NAME` finds her by it."""
    name = " ".join(name.split())
    country = country.upper()
    if not name:
        raise FacilitatorError("Give the facilitator's name.")
    if country not in COUNTRIES:
        raise FacilitatorError(f"Country must be one of {', '.join(COUNTRIES)}, not {country!r}.")
    if find_facilitators(db, name):
        raise FacilitatorError(
            f"A facilitator named {name!r} already exists; add something to tell them apart."
        )
    facilitator = {
        "id": str(uuid.uuid4()),
        "name": name,
        "country": country,
        "created_at": iso(now or utc_now()),
    }
    db["facilitators"].insert(facilitator)
    return facilitator


def find_facilitators(db: sqlite_utils.Database, name: str) -> list[dict]:
    """Facilitators with this name (ignoring case and extra spaces) or this id."""
    name = " ".join(name.split())
    return list(
        db.query(
            "SELECT * FROM facilitators WHERE name = ? COLLATE NOCASE OR id = ? ORDER BY created_at",
            [name, name],
        )
    )


def format_code(raw: str) -> str:
    """'ACDEFGHJ' -> 'ACDE-FGHJ'."""
    return f"{raw[:4]}-{raw[4:]}"


def enrolment_link(base_url: str, lang: str, code: str) -> str:
    """The address a QR code carries: the configured base URL, the code in the fragment.

    A fragment never leaves the phone (the enrol page's script reads it), so the code reaches no
    access log, proxy log or Referer header.
    """
    return f"{base_url.rstrip('/')}/{lang}/enrol#code={code}"


def normalise_code(text: str) -> str | None:
    """What a person typed, as the code's 8 characters; None when it cannot be a code."""
    if not isinstance(text, str):
        return None
    # ४/۴ typed on a Nepali or Urdu keyboard are the same digits; any spaces and either case.
    raw = "".join(ascii_digits(text).upper().translate(_SEPARATORS).split())
    if len(raw) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in raw):
        return None
    return raw


def issue_code(
    db: sqlite_utils.Database,
    facilitator_id: str,
    hours: int = CODE_HOURS,
    now: dt.datetime | None = None,
) -> tuple[str, dt.datetime]:
    """A new one-time code for the facilitator, like 'ACDE-FGHJ', and when it expires."""
    now = now or utc_now()
    expires = now + dt.timedelta(hours=hours)
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            db["enrolments"].insert(
                {
                    "code_hash": hash_code(db, raw),
                    "facilitator_id": facilitator_id,
                    "created_at": iso(now),
                    "expires_at": iso(expires),
                    "used_at": None,
                    "device_id": None,
                }
            )
        except sqlite3.IntegrityError:  # the same code twice: draw again
            continue
        return format_code(raw), expires


def exchange_code(db: sqlite_utils.Database, code: str, now: dt.datetime | None = None) -> Enrolled:
    """Turn a code into a device and its token. A code works once and only before it expires."""
    raw = normalise_code(code)
    if raw is None:
        raise EnrolmentError("malformed")
    now = now or utc_now()
    code_hash = hash_code(db, raw)
    with immediate(db.conn) as conn:  # two phones with the same code: only one gets a token
        enrolment = conn.execute(
            "SELECT e.expires_at, e.used_at, f.id, f.name, f.country FROM enrolments e "
            "JOIN facilitators f ON f.id = e.facilitator_id WHERE e.code_hash = ?",
            [code_hash],
        ).fetchone()
        if enrolment is None:
            raise EnrolmentError("unknown")
        expires_at, used_at, facilitator_id, name, country = enrolment
        if used_at is not None:
            raise EnrolmentError("used")
        if iso(now) >= expires_at:
            raise EnrolmentError("expired")
        token = new_token()
        device_id = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO devices (id, facilitator_id, token_hash, created_at) VALUES (?, ?, ?, ?)",
            [device_id, facilitator_id, hash_secret(token), iso(now)],
        )
        conn.execute(
            "UPDATE enrolments SET used_at = ?, device_id = ? WHERE code_hash = ?",
            [iso(now), device_id, code_hash],
        )
    return Enrolled(token, device_id, {"id": facilitator_id, "name": name, "country": country})


def revoke_device(
    db: sqlite_utils.Database, device_id: str, now: dt.datetime | None = None
) -> bool:
    """Stop a device's token from working (a lost or replaced phone). False if no such device."""
    cursor = db.execute(
        "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        [iso(now or utc_now()), device_id],
    )
    return cursor.rowcount > 0 or db["devices"].count_where("id = ?", [device_id]) > 0
