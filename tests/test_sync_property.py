"""Property: whatever the network does to (re)sends and edits, nothing is duplicated or lost.

Any sequence of edits and (re)sends of a few logs, in batches of any grouping and order, leaves exactly
one current row per log with the highest rev sent, and every other version sent in the revisions table.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.content import load_library
from toolkit.db import connect
from toolkit.languages import LANGUAGES
from toolkit.migrations import migrate
from toolkit.sync.ingest import Sender, ingest
from toolkit.sync.record import content_hash
from toolkit.sync.rules import rules_from
from toolkit.sync.validation import validate_record

CONTENT = Path(__file__).resolve().parent.parent / "content"
RULES = rules_from(load_library(CONTENT), LANGUAGES)
TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
IDS = [str(uuid.UUID(int=n + 1, version=4)) for n in range(3)]
SENDER = Sender(str(uuid.uuid4()), str(uuid.uuid4()), "NP")


def version(log: int, rev: int, participants: int, voided: bool) -> dict:
    return {
        "id": IDS[log],
        "rev": rev,
        "guide": "ng-agent",
        "lang": "ne",
        "held_on": "2026-11-19",
        "minutes": 75,
        "district": "Nuwakot",
        "venue_type": "home",
        "participants": participants,
        "voided": voided,
    }


# One step of what happens on phones and on the network:
#   ("edit", log, participants, voided)      the phone saves a new rev of the log (rev + 1)
#   ("fork", log, participants)              another copy saves different content at the same rev
#                                            (an imported export edited elsewhere)
#   ("send", [(log, k), ...])                a batch goes out with versions already made:
#                                            k picks one of the log's versions (a resend, maybe old)
steps = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("fork"), st.integers(0, 2), st.integers(0, 30)),
    st.tuples(
        st.just("send"),
        st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10)), min_size=1, max_size=6),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=1, max_size=25))
def test_resends_and_edits_leave_one_current_row_per_log_and_keep_every_version(history):
    db = connect(":memory:")
    migrate(db)
    made: dict[int, list[dict]] = {0: [], 1: [], 2: []}  # versions each log has had, in order
    sent: dict[str, set[tuple[int, str]]] = {}  # id -> {(rev, content hash)} the server received
    results = []
    for step in history:
        if step[0] == "edit":
            _, log, participants, voided = step
            rev = max((v["rev"] for v in made[log]), default=0) + 1
            made[log].append(version(log, rev, participants, voided))
        elif step[0] == "fork" and made[step[1]]:
            _, log, participants = step
            latest = made[log][-1]
            made[log].append({**latest, "participants": participants + 100})
        elif step[0] == "send":
            batch = [made[log][k % len(made[log])] for log, k in step[1] if made[log]]
            results += ingest(db, batch, SENDER, RULES, now=NOW)
            for record in batch:
                clean, errors = validate_record(record, RULES, "NP", TODAY)
                assert not errors
                sent.setdefault(record["id"], set()).add((record["rev"], content_hash(clean)))

    assert all(result.status != "invalid" for result in results)
    rows = {row["id"]: row for row in db.query("SELECT * FROM session_logs")}
    assert db.execute("SELECT COUNT(*) FROM session_logs").fetchone()[0] == len(rows)
    assert set(rows) == set(sent)  # one current row per log sent, none for logs never sent
    kept: dict[str, set[tuple[int, str]]] = {}
    for revision in db.query("SELECT log_id, rev, content_hash FROM session_log_revisions"):
        kept.setdefault(revision["log_id"], set()).add((revision["rev"], revision["content_hash"]))
    for log_id, versions in sent.items():
        row = rows[log_id]
        assert row["rev"] == max(rev for rev, _ in versions)  # the highest rev is current
        current = (row["rev"], row["content_hash"])
        assert current in versions
        assert kept.get(log_id, set()) == versions - {current}  # every other version, once
        assert json.loads(row["steps_done"]) == []
    seqs = [row["seq"] for row in rows.values()]
    assert len(set(seqs)) == len(seqs)
    db.conn.close()
