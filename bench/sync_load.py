"""Sync ingest under load: gunicorn + SQLite on 127.0.0.1, against a raw sqlite-utils insert_all.

    .venv/bin/python bench/sync_load.py [--clients 50] [--batches 20] [--records 50] [--workers 3]

50 concurrent clients (threads, http.client), each its own enrolled phone, send 20 batches of 50 new
logs to POST /api/v1/sync. Then the very rows the server stored are inserted into a fresh database with
sqlite-utils `insert_all`, 50 rows per transaction, on one thread: the raw speed of the same writes
(without the report rollup's triggers, which the server's ingest pays for).

The server commits with `PRAGMA synchronous = FULL` (toolkit/db.py: an acknowledged batch survives a
power cut). The reference insert_all runs with the same setting, FULL; it runs once more with NORMAL
(what the server used before) to show what durability costs.

Budgets (DESIGN.md): 0 errors, the exact row count, >= 2,000 records/s, and >= 0.3x the raw insert
(both with synchronous = FULL).
Prints `measure | figure | budget | ratio | pass/fail` lines; exits 1 when a budget is missed.
Everything is bounded: one timeout per request and one deadline for the run; the server is stopped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _gunicorn import Gunicorn  # noqa: E402  (bench/ is on sys.path when run as a script)

from toolkit.content import load_library  # noqa: E402
from toolkit.db import connect, init_db  # noqa: E402
from toolkit.enrolment import create_facilitator, exchange_code, issue_code  # noqa: E402
from toolkit.migrations import drop_rollup_triggers  # noqa: E402
from toolkit.vocabulary import DISTRICTS  # noqa: E402

MIN_RECORDS_PER_SECOND = 2000
MIN_RATIO = 0.3
REQUEST_TIMEOUT = 60
RUN_DEADLINE = 300


def enrol_phones(database: str, count: int) -> list[str]:
    """`count` facilitators in Nepal, one enrolled phone each: their tokens."""
    db = connect(database)
    tokens = []
    for number in range(count):
        facilitator = create_facilitator(db, f"Bench facilitator {number}", "NP")
        code, _ = issue_code(db, facilitator["id"])
        tokens.append(exchange_code(db, code).token)
    db.conn.close()
    return tokens


def make_batches(clients: int, batches: int, records: int) -> list[list[bytes]]:
    """Request bodies, made before the clock starts: realistic logs, every id new."""
    library = load_library(ROOT / "content")
    guide, _ = library.get("ne", "ng-agent")
    steps = [step.id for step in guide.steps]
    today = dt.datetime.now(dt.UTC).date()
    districts = DISTRICTS["NP"]
    bodies = []
    for client in range(clients):
        mine = []
        for batch in range(batches):
            logs = []
            for n in range(records):
                held_on = today - dt.timedelta(days=(client + batch + n) % 120)
                logs.append(
                    {
                        "id": str(uuid.uuid4()),
                        "rev": 1,
                        "guide": "ng-agent",
                        "lang": "ne",
                        "content_version": library.version,
                        "app_version": "0.1.0",
                        "held_on": held_on.isoformat(),
                        "minutes": 75,
                        "district": districts[n % len(districts)],
                        "venue_type": "community-hall",
                        "participants": 8 + n % 15,
                        "returnees": n % 4,
                        "steps_done": steps[: 4 + n % (len(steps) - 3)],
                        "themes": ["wages", "rest-day", "contract"][: 1 + n % 3],
                        "requested": ["ng-employer"] if n % 2 else [],
                        "referrals": {"legal-aid": n % 3} if n % 5 == 0 else {},
                        "market_info": "एजेन्टले मलेसियाका लागि १ लाख ६० हजार मागेको सुनियो।",
                        "notes": "पानी परेकाले सत्र ढिलो सुरु भयो।" if n % 3 == 0 else "",
                        "voided": False,
                        "created_at": f"{held_on.isoformat()}T10:00:00Z",
                        "updated_at": f"{held_on.isoformat()}T10:05:00Z",
                    }
                )
            body = {"records": logs, "app_version": "0.1.0", "content_version": library.version}
            mine.append(json.dumps(body, ensure_ascii=False).encode())
        bodies.append(mine)
    return bodies


def run_clients(port: int, tokens: list[str], bodies: list[list[bytes]]) -> tuple[float, list]:
    """Every client sends its batches one after another; all clients at once. (seconds, errors)"""
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(tokens) + 1)
    deadline = [0.0]

    def client(token: str, batches: list[bytes]) -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        start.wait()
        try:
            for body in batches:
                if time.monotonic() > deadline[0]:
                    raise TimeoutError("run deadline passed")
                connection.request("POST", "/api/v1/sync", body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}: {answer[:200]!r}")
                results = json.loads(answer)["results"]
                wrong = [r for r in results if r["status"] != "created"]
                if len(results) != body.count(b'"rev"') or wrong:
                    raise RuntimeError(f"unexpected results: {wrong[:1]}")
        except Exception as failure:  # noqa: BLE001 - every failure is counted, none is lost
            with lock:
                errors.append(f"{type(failure).__name__}: {failure}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=client, args=(token, batches), daemon=True)
        for token, batches in zip(tokens, bodies, strict=True)
    ]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + RUN_DEADLINE
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline[0] + REQUEST_TIMEOUT - time.monotonic()))
    elapsed = time.perf_counter() - began
    if any(thread.is_alive() for thread in threads):
        errors.append("some clients did not finish in time")
    return elapsed, errors


def raw_insert_all(directory: str, rows: list[dict], batch: int, synchronous: str) -> float:
    """Seconds to insert `rows` with sqlite-utils insert_all, `batch` rows per transaction."""
    database = os.path.join(directory, f"raw-{synchronous}.sqlite")
    init_db(database)
    db = connect(database, synchronous=synchronous)
    # The reference is the bare insert: without the report rollup's triggers (migrations.py), so
    # the ratio includes what their upkeep costs the server's ingest.
    drop_rollup_triggers(db)
    table = db["session_logs"]
    began = time.perf_counter()
    for first in range(0, len(rows), batch):
        with db.atomic():
            table.insert_all(rows[first : first + batch], batch_size=batch)
    elapsed = time.perf_counter() - began
    assert table.count == len(rows)
    db.conn.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--records", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    args = parser.parse_args()
    expected = args.clients * args.batches * args.records

    bodies = make_batches(args.clients, args.batches, args.records)
    with Gunicorn(workers=args.workers) as server:
        tokens = enrol_phones(server.database, args.clients)
        elapsed, errors = run_clients(server.port, tokens, bodies)
        db = connect(server.database)
        stored = db["session_logs"].count
        distinct = db.execute("SELECT COUNT(DISTINCT id) FROM session_logs").fetchone()[0]
        rows = list(db.query("SELECT * FROM session_logs ORDER BY seq"))
        db.conn.close()
    directory = tempfile.mkdtemp(prefix="sync-load-")
    try:
        raw_seconds = raw_insert_all(directory, rows, args.records, "FULL")
        normal_seconds = raw_insert_all(directory, rows, args.records, "NORMAL")
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    rate = expected / elapsed
    raw_rate = len(rows) / raw_seconds
    normal_rate = len(rows) / normal_seconds
    ratio = rate / raw_rate
    checks = [
        ("errors", f"{len(errors)}", "0", "-", not errors),
        ("rows stored (distinct ids)", f"{stored} ({distinct})", f"{expected}", "-",
         stored == distinct == expected),
        ("sync ingest, records/s", f"{rate:,.0f}", f">= {MIN_RECORDS_PER_SECOND:,}", "-",
         rate >= MIN_RECORDS_PER_SECOND),
        ("raw insert_all, synchronous=FULL, records/s", f"{raw_rate:,.0f}", "(reference)", "-",
         True),
        ("raw insert_all, synchronous=NORMAL, records/s", f"{normal_rate:,.0f}",
         "(cost of FULL)", f"{raw_rate / normal_rate:.2f}", True),
        ("ingest (FULL) vs raw insert_all (FULL)", f"{rate:,.0f} / {raw_rate:,.0f}",
         f">= {MIN_RATIO}", f"{ratio:.2f}", ratio >= MIN_RATIO),
    ]  # fmt: skip
    print(
        f"sync load: {args.clients} clients x {args.batches} batches x {args.records} records, "
        f"gunicorn {args.workers} workers (gunicorn.conf.py), synchronous = FULL, {elapsed:.1f} s, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("measure | figure | budget | ratio | pass/fail")
    for measure, figure, budget, shown_ratio, passed in checks:
        print(f"{measure} | {figure} | {budget} | {shown_ratio} | {'pass' if passed else 'FAIL'}")
    for error in errors[:5]:
        print(f"error: {error}")
    return 0 if all(passed for *_, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
