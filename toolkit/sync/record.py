"""One session log as the phone sends it: its fields, every limit, the formats of ids and times.

DESIGN.md "Sync protocol" and notes/sync-contract.md are the contract. Every limit and format of
the protocol is defined here, once, at the top: validation.py, batch.py, ingest.py, the API and the
hubs read them. The content hash says when two copies of a log are the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..migrations import LOG_FIELDS

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
ALLOWED_KEYS = frozenset(CLIENT_FIELDS) | frozenset(RELAY_FIELDS)
JSON_FIELDS = ("steps_done", "themes", "requested", "referrals")
# One encoder for the hash and the stored JSON columns (json.dumps would build one per call).
CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
# Identifiers and dates are checked with re.fullmatch, never `$`: `$` also matches before a final
# newline, and "<uuid>\n" would pass as a second copy of an existing log. ASCII digits only.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
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


# --- identifiers and times, as every part of the protocol writes them ---------------------------


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


def utc_now() -> dt.datetime:
    """The server clock, in UTC."""
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """'2026-11-20T10:06:00Z' — the timestamps of the API and the database."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown(text: str, limit: int = 60) -> str:
    """Text from a request as an error message may quote it: cut short, broken characters as '?'.

    (Half of a UTF-16 pair cannot be written into an HTML page or a log line.)
    """
    return HALF_CHARACTER.sub("?", text[:limit])


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field: an English message (a msgid) and its parameters."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % self.params if self.params else self.message


def content_hash(clean: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical client fields (LOG_FIELDS, in order): "same content" in DESIGN.md.

    Canonical: compact JSON, keys of `referrals` sorted, text as it came. `id`, `rev` and the
    client's timestamps are not content.
    """
    canonical = CANONICAL_JSON([clean[name] for name in LOG_FIELDS])
    return hashlib.sha256(canonical.encode()).hexdigest()
