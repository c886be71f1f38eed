"""What women elsewhere asked about: the counts a phone may keep (toolkit/elsewhere.py)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from toolkit.db import connect
from toolkit.elsewhere import period_start, theme_counts
from toolkit.enrolment import create_facilitator


def add_logs(db, facilitator_id, district, themes, n, held_on="2026-11-10", voided=0):
    for _ in range(n):
        db["session_logs"].insert(
            {
                "id": str(uuid.uuid4()),
                "rev": 1,
                "device_id": str(uuid.uuid4()),
                "facilitator_id": facilitator_id,
                "guide": "lw-our-work",
                "lang": "ne",
                "held_on": held_on,
                "minutes": 60,
                "district": district,
                "venue_type": "school",
                "participants": 10,
                "themes": json.dumps(themes),
                "voided": voided,
            },
            alter=False,
        )


def test_the_last_three_months_include_this_one():
    assert period_start(dt.date(2026, 12, 1)) == dt.date(2026, 10, 1)
    assert period_start(dt.date(2026, 2, 15)) == dt.date(2025, 12, 1)


def test_small_counts_stay_hidden_and_a_district_shows_only_when_counts_allow(app):
    db = connect(app.config["DATABASE"])
    nepal = create_facilitator(db, "Facilitator NP", "NP")["id"]
    pakistan = create_facilitator(db, "Facilitator PK", "PK")["id"]
    add_logs(db, nepal, "Kathmandu", ["wages", "contract"], 6)
    add_logs(db, nepal, "Jhapa", ["wages", "stigma"], 3)  # stigma: 3 sessions, hidden
    add_logs(db, nepal, "Jhapa", ["violence-referral"], 1)
    add_logs(db, nepal, "Jhapa", ["rest-day"], 9, held_on="2026-08-01")  # too old
    add_logs(db, nepal, "Jhapa", ["rest-day"], 9, voided=1)  # voided logs never count
    add_logs(db, pakistan, "Lahore", ["fees-and-debt"], 7)  # another country
    today = dt.date(2026, 12, 1)
    answer = theme_counts(db, "NP", "Kathmandu", today, threshold=5)
    assert answer["themes"] == [["wages", 9], ["contract", 6]]
    assert answer["district"] == {"code": "Kathmandu", "themes": [["contract", 6], ["wages", 6]]}
    jhapa = theme_counts(db, "NP", "Jhapa", today, threshold=5)
    assert jhapa["district"] is None  # 4 sessions in Jhapa: too few to show
    db.conn.close()


def test_only_an_enrolled_phone_may_ask(app, client):
    response = client.get("/api/v1/themes")
    assert response.status_code == 401 and "error" in response.get_json()
