"""Synthetic central databases of N session logs, built in SQL (not through the HTTP API).

    .venv/bin/python bench/_scale_db.py 1000000        # builds (or reuses) the cached database

Used by bench/reports_scale.py; a helper, not a bench (bench/run.py skips names starting with "_").
A database is built once into bench/.cache/ (gitignored) and reused while the schema and this
generator are unchanged: its name carries the last migration and GENERATOR_VERSION. Its build time
and size are kept beside it in a .json file.

Spreads (deterministic, from multiplicative hashes of the row number, so every build is the same):
logs stored in the order they were held, within a week (as phones sync them); ~20 logs a month per
facilitator; 200 districts (Nepal's 77 and Pakistan's ~120 once the complete
lists are in) with facilitators unevenly spread; every guide, the popular ones more often; 1-3 themes
(5% none), a request next in half the logs, referrals in a quarter; 30% with market information,
15% with notes; 1% voided; 5% edited once (rev 2, the first version kept in session_log_revisions);
0.1% with a conflicting copy waiting for a coordinator. 1 M logs span 24 months, 10 M span 60.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from toolkit.content import load_library  # noqa: E402
from toolkit.db import connect  # noqa: E402
from toolkit.migrations import (  # noqa: E402
    create_rollup_triggers,
    drop_rollup_triggers,
    migrate,
    migrations,
    rebuild_rollup,
)
from toolkit.vocabulary import DISTRICTS, REFERRAL_TYPES, THEMES, VENUE_TYPES  # noqa: E402

GENERATOR_VERSION = 2
CACHE = ROOT / "bench" / ".cache"
CHUNK = 500_000
DISTRICT_COUNT = 200
LOGS_PER_FACILITATOR_MONTH = 20
SECONDARY_INDEXES = {
    "idx_session_logs_seq": "CREATE UNIQUE INDEX idx_session_logs_seq ON session_logs (seq)",
    "idx_session_logs_held_on": "CREATE INDEX idx_session_logs_held_on ON session_logs (held_on)",
    "idx_session_logs_district_held_on": (
        "CREATE INDEX idx_session_logs_district_held_on ON session_logs (district, held_on)"
    ),
    "idx_session_logs_conflict": (
        "CREATE INDEX idx_session_logs_conflict ON session_logs (conflict) WHERE conflict = 1"
    ),
}
MARKET_INFO = "एजेन्टले मलेसियाका लागि १ लाख ६० हजार मागेको सुनियो।"
NOTE = "پانی کی وجہ سے سیشن دیر سے شروع ہوا۔"


def months_for(logs: int) -> int:
    return 24 if logs <= 2_000_000 else 60


def cached_path(logs: int) -> Path:
    last = [migration.name for migration in migrations._migrations][-1][:4]
    label = f"{logs // 1_000_000}M" if logs % 1_000_000 == 0 else str(logs)
    return CACHE / f"reports-{label}-{last}-g{GENERATOR_VERSION}.sqlite"


def _hash(column: str, multiplier: int, offset: int) -> str:
    """A pseudo-random 32-bit value of the row number (Knuth's multiplicative hashing)."""
    return f"(({column} + {offset}) * {multiplier}) % 4294967296"


def _lookup_tables(conn: sqlite3.Connection, facilitators: int) -> None:
    library = load_library(ROOT / "content")
    slugs = sorted(library.slugs())
    conn.execute("CREATE TEMP TABLE guides (i INTEGER PRIMARY KEY, slug TEXT, steps TEXT)")
    for number, slug in enumerate(slugs):
        guide, _ = library.get("en", slug)
        steps = json.dumps([step.id for step in guide.steps][:6])
        conn.execute("INSERT INTO guides VALUES (?, ?, ?)", (number, slug, steps))
    for name, values in (("themes", THEMES), ("referral_types", REFERRAL_TYPES),
                         ("venues", VENUE_TYPES)):  # fmt: skip
        conn.execute(f"CREATE TEMP TABLE {name} (i INTEGER PRIMARY KEY, code TEXT)")
        conn.executemany(f"INSERT INTO {name} VALUES (?, ?)", list(enumerate(values)))
    real = [(d, "NP") for d in DISTRICTS["NP"]] + [(d, "PK") for d in DISTRICTS["PK"]]
    synthetic = [
        (f"District {number:03d}", "NP" if number % 5 < 2 else "PK")
        for number in range(len(real), DISTRICT_COUNT)
    ]
    districts = real + synthetic
    conn.execute("CREATE TEMP TABLE fac (i INTEGER PRIMARY KEY, id TEXT, device TEXT, "
                 "district TEXT, lang TEXT)")  # fmt: skip
    now = "2026-01-01T09:00:00Z"
    for number in range(facilitators):
        # Uneven: low-numbered districts get more facilitators (a square of a uniform pick).
        spread = (number * 2654435761 % 4294967296) / 4294967296
        district, country = districts[int(spread * spread * len(districts))]
        facilitator = f"{number:08x}-fac0-4000-8000-{number:012x}"
        device = f"{number:08x}-dev0-4000-8000-{number:012x}"
        conn.execute(
            "INSERT INTO facilitators (id, name, country, created_at) VALUES (?, ?, ?, ?)",
            (facilitator, f"Facilitator {number:05d}", country, now),
        )
        conn.execute(
            "INSERT INTO devices (id, facilitator_id, token_hash, created_at) VALUES (?,?,?,?)",
            (device, facilitator, f"{number:064x}", now),
        )
        conn.execute(
            "INSERT INTO fac VALUES (?, ?, ?, ?, ?)",
            (number, facilitator, device, district, "ne" if country == "NP" else "ur"),
        )


def _insert_chunk(
    conn, first: int, last: int, logs: int, facilitators: int, first_day: str, days: int
):
    a, b, c = _hash("i", 2654435761, 0), _hash("i", 40503, 977), _hash("i", 1103515245, 12345)
    conn.execute(
        f"""
        WITH RECURSIVE n(i) AS (SELECT :first UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :last),
        h0 AS (SELECT i, {a} AS a, {b} AS b, {c} AS c FROM n),
        h AS (SELECT *, min(date(:first_day, '+' || (i * :days / :logs + c % 7) || ' days'),
                            date(:first_day, '+' || (:days - 1) || ' days')) AS held_on FROM h0)
        INSERT INTO session_logs (id, rev, device_id, facilitator_id, guide, lang, content_version,
            app_version, held_on, minutes, district, venue_type, participants, returnees,
            steps_done, themes, requested, referrals, market_info, notes, voided, created_at,
            updated_at, received_at, content_hash, relayed_by, seq, conflict)
        SELECT
            printf('%08x-%04x-4%03x-%04x-%012x', h.a, h.b % 65536, h.c % 4096,
                   32768 + (h.c / 4096) % 16384, h.i),
            1, fac.device, fac.id, guides.slug,
            CASE WHEN h.a % 10 = 0 THEN 'en' ELSE fac.lang END,
            'bench-content', '0.2.0', h.held_on, 45 + (h.a % 8) * 10, fac.district,
            venues.code, 2 + h.b % 24, CASE WHEN h.c % 3 = 0 THEN h.b % 3 END, guides.steps,
            CASE WHEN h.a % 20 = 0 THEN '[]'
                 WHEN h.a % 3 = 0 THEN json_array(t1.code)
                 WHEN h.a % 3 = 1 THEN json_array(t1.code, t2.code)
                 ELSE json_array(t1.code, t2.code, t3.code) END,
            CASE WHEN h.b % 2 = 0 THEN '[]'
                 WHEN h.b % 7 = 1 THEN json_array(r1.slug, r2.slug)
                 ELSE json_array(r1.slug) END,
            CASE WHEN h.c % 4 = 0 THEN json_object(ref.code, 1 + h.a % 3) ELSE '{{}}' END,
            CASE WHEN h.b % 10 < 3 THEN :market_info ELSE '' END,
            CASE WHEN h.c % 20 < 3 THEN :note ELSE '' END,
            CASE WHEN h.a % 100 = 50 THEN 1 ELSE 0 END,
            h.held_on || 'T10:00:00Z', h.held_on || 'T10:05:00Z',
            h.held_on || 'T17:30:00Z',
            printf('%016x%016x%016x%016x', h.a * (h.b % 2147483648), h.b * (h.c % 2147483648),
                   h.c * (h.a % 2147483648), h.i),
            NULL, h.i + 1, 0
        FROM h
        JOIN fac ON fac.i = h.a % :facilitators
        JOIN guides ON guides.i = min(h.b % 13, h.c % 13, (h.a / 13) % 13)
        JOIN guides AS r1 ON r1.i = (h.c / 7) % 13
        JOIN guides AS r2 ON r2.i = (h.c / 7 + 1 + h.b % 11) % 13
        JOIN themes AS t1 ON t1.i = h.b % 14
        JOIN themes AS t2 ON t2.i = (h.b + 1 + h.c % 6) % 14
        JOIN themes AS t3 ON t3.i = (h.b + 7 + h.c % 6) % 14
        JOIN referral_types AS ref ON ref.i = (h.a / 3) % 8
        JOIN venues ON venues.i = (h.b / 5) % 7
        """,
        {
            "first": first,
            "last": last,
            "logs": logs,
            "market_info": MARKET_INFO,
            "note": NOTE,
            "facilitators": facilitators,
            "first_day": first_day,
            "days": days,
        },  # fmt: skip
    )


def build(path: Path, logs: int, progress=print) -> dict:
    """Build the database at `path` with `logs` session logs; return its facts."""
    began = time.monotonic()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    db = connect(str(partial))
    migrate(db)
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -2000000")  # 2 GB of page cache for the random-id index
    conn.execute("PRAGMA temp_store = MEMORY")
    months = months_for(logs)
    facilitators = max(1, logs // (LOGS_PER_FACILITATOR_MONTH * months))
    today = dt.date.today().replace(day=1)
    back = today.year * 12 + today.month - 1 - (months - 1)
    first = dt.date(back // 12, back % 12 + 1, 1)
    days = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first
    conn.execute("BEGIN")
    drop_rollup_triggers(db)
    for name in SECONDARY_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    _lookup_tables(conn, facilitators)
    conn.execute("COMMIT")
    for start in range(0, logs, CHUNK):
        conn.execute("BEGIN")
        _insert_chunk(conn, start, min(logs, start + CHUNK), logs, facilitators,
                      first.isoformat(), days.days)  # fmt: skip
        conn.execute("COMMIT")
        progress(f"  {min(logs, start + CHUNK):,} logs ({time.monotonic() - began:.0f} s)")
    conn.execute("BEGIN")
    columns = [row[1] for row in conn.execute("PRAGMA table_info(session_log_revisions)")]

    def kept_copy(**overrides: str) -> str:
        """session_log_revisions rows copied from session_logs, some columns replaced."""
        chosen = {"log_id": "id", "superseded_at": "received_at", **overrides}
        return (
            f"INSERT INTO session_log_revisions ({', '.join(columns)}) "
            f"SELECT {', '.join(chosen.get(name, name) for name in columns)} FROM session_logs"
        )

    conn.execute(kept_copy(reason="'superseded'") + " WHERE rowid % 20 = 3")
    conn.execute("UPDATE session_logs SET rev = 2, participants = participants + 1, "
                 "updated_at = held_on || 'T19:00:00Z' WHERE rowid % 20 = 3")  # fmt: skip
    conn.execute(
        kept_copy(reason="'conflict'", content_hash="'c' || substr(content_hash, 2)",
                  participants="participants + 2") + " WHERE rowid % 1000 = 7"
    )  # fmt: skip
    conn.execute("UPDATE session_logs SET conflict = 1 WHERE rowid % 1000 = 7")
    conn.execute(
        "UPDATE counters SET value = (SELECT max(seq) FROM session_logs) WHERE name = 'seq'"
    )
    conn.execute("COMMIT")
    progress(f"  revisions and conflicts ({time.monotonic() - began:.0f} s)")
    for name, sql in SECONDARY_INDEXES.items():
        conn.execute(sql)
        progress(f"  index {name} ({time.monotonic() - began:.0f} s)")
    conn.execute("BEGIN")
    rebuild_rollup(db)
    create_rollup_triggers(db)
    conn.execute("COMMIT")
    progress(f"  rollup ({time.monotonic() - began:.0f} s)")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    os.replace(partial, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    facts = {
        "logs": logs,
        "months": months,
        "facilitators": facilitators,
        "districts": DISTRICT_COUNT,
        "first_month": first.isoformat()[:7],
        "last_month": today.isoformat()[:7],
        "build_seconds": round(time.monotonic() - began, 1),
        "bytes": path.stat().st_size,
    }
    path.with_suffix(".json").write_text(json.dumps(facts, indent=2))
    return facts


def database(logs: int, progress=print) -> tuple[Path, dict]:
    """The cached database of `logs` logs, built first when missing: (path, facts)."""
    path = cached_path(logs)
    facts_file = path.with_suffix(".json")
    if path.exists() and facts_file.exists():
        return path, json.loads(facts_file.read_text())
    progress(f"building {path} ({logs:,} logs) once; later runs reuse it")
    return path, build(path, logs, progress)


if __name__ == "__main__":
    for size in sys.argv[1:] or ["1000000"]:
        where, facts = database(int(size))
        print(where, facts)
