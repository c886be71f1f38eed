"""kill -9 of the server during sync batches: the file stays sound and the phone's retry loses nothing.

A phone only forgets a record once the server answered for it, so the promise is: after any crash,
`PRAGMA integrity_check` is ok, every acknowledged record is stored, and retrying every unacknowledged
batch ends with each record stored exactly once.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import sqlite3
import threading
import time

from tests.helpers import children

from .conftest import enrol_phone, integrity, make_log, stored_ids

BATCH = 200  # the most a phone sends at once


def wait_for_rows(database: str, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if len(stored_ids(database)) >= count:
                return
        except sqlite3.OperationalError:  # locked for a moment by the writer
            pass
        time.sleep(0.02)
    raise AssertionError(f"the server did not store {count} rows within {timeout} s")


def test_kill_after_commit_before_the_answer_then_retry_is_unchanged(server):
    """The batch commits, the server dies before answering (test fault "slow"), the phone retries."""
    token = enrol_phone(server.database)
    batch = [make_log() for _ in range(BATCH)]
    server.start(faults=["slow:30"])
    outcome: dict = {}

    def phone() -> None:
        try:
            outcome["answer"] = server.sync(token, batch)
        except (OSError, http.client.HTTPException) as failure:  # no answer: the phone keeps it
            outcome["error"] = failure

    sending = threading.Thread(target=phone, daemon=True)
    sending.start()
    wait_for_rows(server.database, BATCH)  # committed; the answer is being held back
    server.kill()
    sending.join(timeout=30)
    assert "answer" not in outcome and "error" in outcome
    assert integrity(server.database) == "ok"

    server.start()
    status, answer = server.sync(token, batch)
    assert status == 200
    assert [result["status"] for result in answer["results"]] == ["unchanged"] * BATCH
    ids = stored_ids(server.database)
    assert sorted(ids) == sorted(record["id"] for record in batch)  # each exactly once


def crash_repeatedly(server, rng, finished, lock, acknowledged: set[str]) -> int:
    """Kill the server at random moments while the phone sends; check the file after each crash."""
    kills = 0
    while not finished.is_set() and kills < 4:
        time.sleep(rng.uniform(0.02, 0.4))
        if finished.is_set():
            break
        server.kill()
        kills += 1
        assert integrity(server.database) == "ok"
        with lock:
            missing = acknowledged - set(stored_ids(server.database))
        assert not missing, f"{len(missing)} acknowledged records were not stored"
        server.start()
    return kills


def test_kill_at_random_points_in_a_stream_of_batches_loses_and_duplicates_nothing(server):
    """A phone sends large batches one after another while the server is killed at random moments."""
    rng = random.Random(20261120)
    token = enrol_phone(server.database)
    batches = [[make_log(participants=3 + n % 400) for n in range(BATCH)] for _ in range(40)]
    acknowledged: set[str] = set()
    statuses: list[str] = []
    failures: list[BaseException] = []
    interrupted = [0]  # requests the phone sent that got no answer
    lock = threading.Lock()
    finished = threading.Event()
    stop = threading.Event()

    def phone() -> None:
        """Send each batch until it is answered, backing off while the server is down."""
        try:
            for batch in batches:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        status, answer = server.sync(token, batch, timeout=30)
                    except (OSError, ValueError, http.client.HTTPException) as failure:
                        # refused, reset, or cut off in the middle of the answer
                        if time.monotonic() > deadline or stop.is_set():
                            raise
                        if not isinstance(failure, ConnectionRefusedError):
                            interrupted[0] += 1
                        time.sleep(0.05)
                        continue
                    assert status == 200, answer
                    with lock:
                        statuses.extend(result["status"] for result in answer["results"])
                        acknowledged.update(result["id"] for result in answer["results"])
                    break
        except BaseException as failure:  # noqa: BLE001 - reported by the test below
            failures.append(failure)
        finally:
            finished.set()

    server.start()
    sending = threading.Thread(target=phone, daemon=True)
    sending.start()
    try:
        kills = crash_repeatedly(server, rng, finished, lock, acknowledged)
    finally:
        stop.set()
    sending.join(timeout=300)
    assert not sending.is_alive(), "the phone did not finish its retries"
    assert not failures, failures
    assert kills >= 2 and interrupted[0] >= 1, "no batch was cut off: the test proved nothing"
    print(
        f"{kills} kills, {interrupted[0]} batches cut off, {statuses.count('unchanged')} unchanged"
    )

    sent = [record["id"] for batch in batches for record in batch]
    ids = stored_ids(server.database)
    assert len(ids) == len(sent) == len(set(ids))
    assert set(ids) == set(sent) == acknowledged
    assert set(statuses) <= {"created", "unchanged"}
    assert statuses.count("created") + statuses.count("unchanged") == len(sent)
    assert integrity(server.database) == "ok"


def test_killing_the_workers_mid_batch_leaves_no_partial_batch(server):
    """Only the workers die (gunicorn's master starts others): a batch is stored whole or not at all."""
    server.workers = 2
    token = enrol_phone(server.database)
    server.start()
    batch = [make_log() for _ in range(BATCH)]
    stored_before = len(stored_ids(server.database))
    workers_pids = children(server.process.pid)
    assert workers_pids, "no gunicorn workers found"
    outcome: dict = {}

    def phone() -> None:
        try:
            outcome["answer"] = server.sync(token, batch)
        except (OSError, http.client.HTTPException) as failure:
            outcome["error"] = failure

    sending = threading.Thread(target=phone, daemon=True)
    sending.start()
    time.sleep(0.05)
    for pid in workers_pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sending.join(timeout=60)
    count = len(stored_ids(server.database)) - stored_before
    assert count in (0, BATCH), f"a partial batch of {count} records was stored"
    if "answer" in outcome:  # the batch beat the kill: it was answered in full
        assert outcome["answer"][0] == 200 and count == BATCH
    assert integrity(server.database) == "ok"
    # gunicorn's master starts new workers; the phone's retry completes the batch exactly once.
    deadline = time.monotonic() + 30
    while True:
        try:
            status, answer = server.sync(token, batch)
            break
        except (OSError, http.client.HTTPException):
            assert time.monotonic() < deadline, "gunicorn did not start new workers"
            time.sleep(0.1)
    assert status == 200
    assert {result["status"] for result in answer["results"]} <= {"created", "unchanged"}
    assert len(stored_ids(server.database)) - stored_before == BATCH
