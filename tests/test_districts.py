"""The complete district lists (toolkit/data/districts.csv): every district can be logged, old codes stay."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from toolkit.content import load_library
from toolkit.languages import LANGUAGES
from toolkit.sync.rules import rules_from
from toolkit.sync.validation import validate_record
from toolkit.vocabulary import DISTRICT_ROWS, DISTRICTS, DISTRICTS_CSV

CONTENT = Path(__file__).resolve().parent.parent / "content"

# The codes logs were stored with before the full lists shipped (0.1.x): they must never change.
CODES_BEFORE_0_2 = {
    "NP": (
        "Sindhupalchok Kavrepalanchok Nuwakot Dolakha Makwanpur Chitwan Dhanusha Mahottari Sarlahi "
        "Siraha Saptari Morang Jhapa Sunsari Rupandehi Kapilvastu Banke Kailali"
    ).split(),
    "PK": [
        *"Sialkot Gujranwala Gujrat Lahore Okara Faisalabad Multan Rawalpindi Mardan Swat".split(),
        *["Peshawar", "Dera Ghazi Khan", "Karachi", "Hyderabad"],
    ],
}


def page_data(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="logbook-data">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))


def test_the_file_has_the_agreed_columns_and_every_label():
    with DISTRICTS_CSV.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == ["country", "province", "code", "en", "ne", "ur", "aliases"]
        rows = list(reader)
    assert all(row[key].strip() for row in rows for key in ("country", "province", "code", "en"))
    assert all(re.search(r"[\u0900-\u097f]", row["ne"]) for row in rows), "ne labels in Devanagari"
    assert all(re.search(r"[\u0600-\u06ff]", row["ur"]) for row in rows), (
        "ur labels in Arabic script"
    )
    assert len({row["code"] for row in rows}) == len(rows), "codes are unique"


def test_all_77_districts_of_nepal_in_7_provinces():
    nepal = [row for row in DISTRICT_ROWS if row.country == "NP"]
    assert len(nepal) == 77
    assert Counter(row.province for row in nepal) == {
        "Koshi": 14,
        "Madhesh": 8,
        "Bagmati": 13,
        "Gandaki": 11,
        "Lumbini": 12,
        "Karnali": 10,
        "Sudurpashchim": 9,
    }
    assert {"Kathmandu", "Lalitpur", "Bhaktapur", "Kaski", "Rukum East", "Rukum West"} <= set(
        DISTRICTS["NP"]
    )


def test_pakistan_districts_by_province():
    provinces = Counter(row.province for row in DISTRICT_ROWS if row.country == "PK")
    assert provinces["Punjab"] == 41 and provinces["Balochistan"] == 36
    assert provinces["Sindh"] == 31  # 30 districts and the old city-wide "Karachi" code
    assert provinces["Khyber Pakhtunkhwa"] == 36 and provinces["Islamabad Capital Territory"] == 1


@pytest.mark.parametrize("country", ["NP", "PK"])
def test_the_codes_stored_before_stay_valid(country):
    assert set(CODES_BEFORE_0_2[country]) <= set(DISTRICTS[country])


def _rules(app):
    return rules_from(load_library(CONTENT), LANGUAGES, app.config)


def _record(district: str) -> dict:
    return {
        "id": "0b6c5a54-3f0e-4a57-9a4c-2f1f0f3f6a10",
        "rev": 1,
        "guide": "lw-our-work",
        "lang": "ne",
        "held_on": "2026-11-20",
        "minutes": 60,
        "district": district,
        "venue_type": "school",
        "participants": 8,
    }


def test_kathmandu_can_be_logged_and_shown_in_each_language(app, client):
    for lang, label in (("ne", "काठमाडौँ"), ("ur", "کٹھمنڈو"), ("en", "Kathmandu")):
        data = page_data(client.get(f"/{lang}/log").get_data(as_text=True))
        by_code = {code: (name, province) for code, name, province in data["districts"]["NP"]}
        assert by_code["Kathmandu"][0] == label
    data = page_data(client.get("/ne/log").get_data(as_text=True))
    assert dict((c, p) for c, _n, p in data["districts"]["NP"])["Kathmandu"] == "बागमती प्रदेश"
    _clean, errors = validate_record(_record("Kathmandu"), _rules(app), "NP", dt.date(2026, 12, 1))
    assert "district" not in errors


def test_configuration_narrows_the_form_but_old_logs_stay_valid(make_app):
    app = make_app(DISTRICTS_OFFERED=["Kathmandu", "Lalitpur", "Lahore"])
    data = page_data(app.test_client().get("/en/log").get_data(as_text=True))
    assert [code for code, _n, _p in data["districts"]["NP"]] == ["Kathmandu", "Lalitpur"]
    assert [code for code, _n, _p in data["districts"]["PK"]] == ["Lahore"]
    _clean, errors = validate_record(
        _record("Sindhupalchok"), _rules(app), "NP", dt.date(2026, 12, 1)
    )
    assert "district" not in errors  # a log stored before the list was narrowed still syncs
