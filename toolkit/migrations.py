"""The schema, as sqlite-utils `Migrations` steps: each runs once, so `init-db` is safe to repeat.

Never add a column for a participant's name, phone, photo, address or GPS (DESIGN.md "Data model").
Append new steps; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("toolkit")

# Client fields of a session log, in the order they are hashed and exported.
LOG_FIELDS = {
    "guide": str,
    "lang": str,
    "content_version": str,
    "app_version": str,
    "held_on": str,
    "minutes": int,
    "district": str,
    "venue_type": str,
    "participants": int,
    "returnees": int,
    "steps_done": str,  # JSON list of step ids
    "themes": str,  # JSON list from the themes vocabulary
    "requested": str,  # JSON list of guide slugs asked for next
    "referrals": str,  # JSON object: referral type -> count
    "market_info": str,
    "notes": str,
    "voided": int,
}


@migrations()
def m001_people_and_devices(db: sqlite_utils.Database) -> None:
    db["facilitators"].create(
        {"id": str, "name": str, "country": str, "created_at": str},
        pk="id",
        not_null={"name", "country", "created_at"},
    )
    db["devices"].create(
        {
            "id": str,
            "facilitator_id": str,
            "token_hash": str,
            "created_at": str,
            "last_sync_at": str,
            "revoked_at": str,
        },
        pk="id",
        foreign_keys=[("facilitator_id", "facilitators", "id")],
        not_null={"facilitator_id", "token_hash", "created_at"},
    )
    db["devices"].create_index(["token_hash"], unique=True)
    db["enrolments"].create(
        {
            "code_hash": str,
            "facilitator_id": str,
            "created_at": str,
            "expires_at": str,
            "used_at": str,
            "device_id": str,
        },
        pk="code_hash",
        foreign_keys=[("facilitator_id", "facilitators", "id")],
    )
    db["coordinators"].create(
        {
            "id": str,
            "username": str,
            "password_hash": str,
            "role": str,
            "lang": str,
            "created_at": str,
        },
        pk="id",
        not_null={"username", "password_hash", "role"},
    )
    db["coordinators"].create_index(["username"], unique=True)
    db["hubs"].create(
        {"id": str, "name": str, "token_hash": str, "created_at": str, "revoked_at": str},
        pk="id",
    )
    db["hubs"].create_index(["token_hash"], unique=True)
    db["hub_peers"].create(
        {"url": str, "last_acked_seq": int, "last_push_at": str, "last_error": str},
        pk="url",
    )


@migrations()
def m002_session_logs(db: sqlite_utils.Database) -> None:
    columns = {"id": str, "rev": int, "device_id": str, "facilitator_id": str, **LOG_FIELDS}
    meta = {
        "created_at": str,
        "updated_at": str,
        "received_at": str,
        "content_hash": str,
        "relayed_by": str,
        "seq": int,
        "conflict": int,  # 1 while a same-rev different-content copy waits for a coordinator
    }
    db["session_logs"].create({**columns, **meta}, pk="id", defaults={"voided": 0, "conflict": 0})
    db["session_logs"].create_index(["seq"], unique=True)
    db["session_logs"].create_index(["held_on"])
    db["session_log_revisions"].create(
        {
            "log_id": str,
            **{k: v for k, v in columns.items() if k != "id"},
            **meta,
            "superseded_at": str,
            "reason": str,
        },
        pk=("log_id", "rev", "content_hash"),
    )


@migrations()
def m003_sync_counter(db: sqlite_utils.Database) -> None:
    """A monotonic change counter: `seq` of session logs (and of kept copies) comes from here."""
    db["counters"].create({"name": str, "value": int}, pk="name", not_null={"value"})
    last = db.execute("SELECT COALESCE(MAX(seq), 0) FROM session_logs").fetchone()[0]
    db["counters"].insert({"name": "seq", "value": last})


@migrations()
def m004_hub_sync(db: sqlite_utils.Database) -> None:
    """Field hub → central (toolkit/hub/): who registered a relayed facilitator or device
    (`hub_id`, on central), what an upstream refused (kept on the hub and retried), and an index
    for reading kept revisions in change order."""
    db["facilitators"].add_column("hub_id", str)
    db["devices"].add_column("hub_id", str)
    db["hub_peers"].add_column("last_error_at", str)
    db["hub_push_refused"].create(
        {"url": str, "seq": int, "log_id": str, "rev": int, "errors": str, "refused_at": str},
        pk=("url", "seq"),
    )
    db["session_log_revisions"].create_index(["seq"])


@migrations()
def m005_audit_and_coordinator_sessions(db: sqlite_utils.Database) -> None:
    """The audit log (toolkit/audit.py), server-side coordinator sessions (only a hash of the session id
    is stored), withdrawn coordinator accounts; codes hashed the old way (plain SHA-256) stop working."""
    db["audit_log"].create(
        {"id": int, "at": str, "action": str, "actor": str, "address": str, "details": str},
        pk="id",
        not_null={"at", "action"},
    )
    db["audit_log"].create_index(["at"])
    db["coordinator_sessions"].create(
        {"id_hash": str, "coordinator_id": str, "created_at": str, "last_seen_at": str},
        pk="id_hash",
        foreign_keys=[("coordinator_id", "coordinators", "id")],
        not_null={"coordinator_id", "created_at", "last_seen_at"},
    )
    db["coordinator_sessions"].create_index(["coordinator_id"])
    db["coordinators"].add_column("withdrawn_at", str)
    db.execute(
        "UPDATE enrolments SET expires_at = created_at WHERE used_at IS NULL AND expires_at > created_at"
    )


@migrations()
def m006_audio_recordings(db: sqlite_utils.Database) -> None:
    """Spoken scripts (toolkit/audio.py): one row per recording of a say block, its Opus bytes as a blob.

    `recorded_hash` is the hash of the text it was recorded for, `serves_hash` the text it is served for
    (the same, unless an admin kept it for edited text); `status` is recorded | approved."""
    db["audio_recordings"].create(
        {
            "id": str,
            "lang": str,
            "slug": str,
            "slot": str,
            "recorded_hash": str,
            "serves_hash": str,
            "status": str,
            "container": str,
            "bytes": int,
            "seconds": float,
            "data": bytes,
            "recorded_by": str,
            "recorded_at": str,
            "approved_by": str,
            "approved_at": str,
        },
        pk="id",
        not_null={"lang", "slug", "slot", "recorded_hash", "serves_hash", "status", "data"},
    )
    db["audio_recordings"].create_index(["lang", "slug"])


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; return their names."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending
