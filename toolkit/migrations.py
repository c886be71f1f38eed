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


# Rollup of the current, non-voided session logs, by (dimension, month, district, value): what the
# coordinator's reports count, kept exact by the triggers below inside whatever transaction writes a
# log (sync ingest, an import, a coordinator's resolution, a test's plain INSERT). The reports then
# read a few thousand rows instead of every log (toolkit/reports.py, docs/SCALE.md). Dimensions:
# sessions (value ''), participants (value '', n = sum of participants), guide, theme (a log counts
# once per theme it raised), requested (each guide asked for), referral (n = sum of the counts).
_ROLLUP_CHANGED = " OR ".join(
    f"OLD.{name} IS NOT NEW.{name}"
    for name in (
        "held_on", "district", "guide", "participants", "themes", "requested", "referrals",
        "voided",
    )
)  # fmt: skip


def _json_or(value: str, kind: str, empty: str) -> str:
    """SQL for `value` when it is valid JSON of `kind` ('array'/'object'), else `empty`: a log
    with a broken JSON field counts as having none, as the reference aggregation does."""
    return f"CASE WHEN json_valid({value}) AND json_type({value}) = '{kind}' THEN {value} ELSE '{empty}' END"


def rollup_contribution(row: str, sign: str) -> str:
    """SQL adding (sign '+') or removing (sign '-') one log's counts; `row` is NEW, OLD or a
    table alias. Rows that fall to 0 stay (the reports ignore them); the next log reuses them."""
    return f"""
INSERT INTO report_rollup (dimension, month, district, value, n)
SELECT dimension, coalesce(substr({row}.held_on, 1, 7), ''), coalesce({row}.district, ''), value,
       {sign}n
FROM (
    SELECT 'sessions' AS dimension, '' AS value, 1 AS n
    UNION ALL SELECT 'participants', '', coalesce({row}.participants, 0)
    UNION ALL SELECT 'guide', coalesce({row}.guide, ''), 1
    UNION ALL SELECT * FROM (
        SELECT DISTINCT 'theme', value, 1 FROM json_each({_json_or(row + ".themes", "array", "[]")})
        WHERE type = 'text')
    UNION ALL SELECT 'requested', value, 1
        FROM json_each({_json_or(row + ".requested", "array", "[]")}) WHERE type = 'text'
    UNION ALL SELECT 'referral', key, value
        FROM json_each({_json_or(row + ".referrals", "object", "{}")}) WHERE type = 'integer'
) WHERE true
ON CONFLICT (dimension, month, district, value) DO UPDATE SET n = n + excluded.n;"""


ROLLUP_TRIGGERS = {
    "report_rollup_insert": f"""AFTER INSERT ON session_logs WHEN NEW.voided = 0
        BEGIN {rollup_contribution("NEW", "+")} END""",
    "report_rollup_delete": f"""AFTER DELETE ON session_logs WHEN OLD.voided = 0
        BEGIN {rollup_contribution("OLD", "-")} END""",
    "report_rollup_update_old": f"""AFTER UPDATE ON session_logs
        WHEN OLD.voided = 0 AND ({_ROLLUP_CHANGED})
        BEGIN {rollup_contribution("OLD", "-")} END""",
    "report_rollup_update_new": f"""AFTER UPDATE ON session_logs
        WHEN NEW.voided = 0 AND ({_ROLLUP_CHANGED})
        BEGIN {rollup_contribution("NEW", "+")} END""",
}


def create_rollup_triggers(db: sqlite_utils.Database) -> None:
    """(Re)create the triggers that keep report_rollup exact (bench/reports_scale.py drops them
    for a bulk load, then calls `rebuild_rollup` and this)."""
    for name, body in ROLLUP_TRIGGERS.items():
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute(f"CREATE TRIGGER {name} {body}")


def drop_rollup_triggers(db: sqlite_utils.Database) -> None:
    for name in ROLLUP_TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def rebuild_rollup(db: sqlite_utils.Database) -> None:
    """Recount report_rollup from session_logs in one statement (the migration; the bench after a
    bulk load). The same counts as the triggers: a log counts once per distinct theme."""
    logs = (
        "SELECT rowid, coalesce(substr(held_on, 1, 7), '') AS month,"
        " coalesce(district, '') AS district, coalesce(guide, '') AS guide,"
        " coalesce(participants, 0) AS participants, themes, requested, referrals"
        " FROM session_logs WHERE voided = 0"
    )
    themes = _json_or("logs.themes", "array", "[]")
    requested = _json_or("logs.requested", "array", "[]")
    referrals = _json_or("logs.referrals", "object", "{}")
    db.execute("DELETE FROM report_rollup")
    db.execute(
        f"""INSERT INTO report_rollup (dimension, month, district, value, n)
        WITH logs AS NOT MATERIALIZED ({logs})
        SELECT 'sessions', month, district, '', count(*) FROM logs GROUP BY month, district
        UNION ALL
        SELECT 'participants', month, district, '', sum(participants) FROM logs
            GROUP BY month, district
        UNION ALL
        SELECT 'guide', month, district, guide, count(*) FROM logs GROUP BY month, district, guide
        UNION ALL
        SELECT 'theme', month, district, value, count(*) FROM (
            SELECT DISTINCT logs.rowid, month, district, j.value FROM logs, json_each({themes}) AS j
            WHERE j.type = 'text')
            GROUP BY month, district, value
        UNION ALL
        SELECT 'requested', month, district, j.value, count(*) FROM logs, json_each({requested}) AS j
            WHERE j.type = 'text' GROUP BY month, district, j.value
        UNION ALL
        SELECT 'referral', month, district, j.key, sum(j.value) FROM logs,
            json_each({referrals}) AS j
            WHERE j.type = 'integer' GROUP BY month, district, j.key"""
    )


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
def m006_hub_reports(db: sqlite_utils.Database) -> None:
    """On central: what each hub reported at the end of its last completed push (`toolkit hubs`)."""
    db["hubs"].add_column("last_push_at", str)
    db["hubs"].add_column("pending_changes", int)
    db["hubs"].add_column("refused_changes", int)


@migrations()
def m007_report_rollup(db: sqlite_utils.Database) -> None:
    """Reports at national scale (issue #18): the rollup and its triggers, and indexes for the
    logs export by district and period and for the count of logs that need attention."""
    db.execute(
        """CREATE TABLE report_rollup (
            dimension TEXT NOT NULL, month TEXT NOT NULL, district TEXT NOT NULL,
            value TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (dimension, month, district, value)
        ) WITHOUT ROWID"""
    )
    # No second index on the rollup: a district's report reads the period's rows of every district
    # (tens of thousands, a few ms), and each index would be one more write per log at ingest.
    db.execute("CREATE INDEX idx_session_logs_district_held_on ON session_logs (district, held_on)")
    db.execute(
        "CREATE INDEX idx_session_logs_conflict ON session_logs (conflict) WHERE conflict = 1"
    )
    rebuild_rollup(db)
    create_rollup_triggers(db)


@migrations()
def m008_phone_labels(db: sqlite_utils.Database) -> None:
    """What tells a coordinator's phones apart: system and browser at enrolment, and a nickname."""
    db["devices"].add_column("client_system", str)
    db["devices"].add_column("client_browser", str)
    db["devices"].add_column("nickname", str)


@migrations()
def m009_audio_recordings(db: sqlite_utils.Database) -> None:
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
