"""The logbook's pages: every language renders, the same bytes every time, and no identifying field."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nepali_datetime
import pytest

from toolkit.build.bs_calendar import write_bs_calendar
from toolkit.languages import LANGUAGES
from toolkit.vocabulary import DISTRICTS, REFERRAL_TYPES, RETIRED_CODES, THEMES, VENUE_TYPES

ROOT = Path(__file__).resolve().parent.parent
LOG_ID = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"
# Words a field for a participant's identity would be named by (DESIGN.md: never stored).
IDENTIFYING = re.compile(
    r"name|phone|mobile|tel|address|photo|picture|gps|location|latitude|longitude|email|"
    r"birth|age\b|caste|passport_no|citizenship|cnic",
    re.IGNORECASE,
)


class Fields(HTMLParser):
    """Every form control of a page: (tag, attributes)."""

    def __init__(self):
        super().__init__()
        self.controls: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "select", "textarea"):
            self.controls.append((tag, dict(attrs)))


def controls(html: str) -> list[tuple[str, dict]]:
    parser = Fields()
    parser.feed(html)
    return parser.controls


def page_data(html: str) -> dict:
    found = re.search(
        r'<script type="application/json" id="logbook-data">(.*?)</script>', html, re.S
    )
    assert found, "the page carries its data for offline use"
    return json.loads(found.group(1))


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("path", ["/{lang}/log", f"/{{lang}}/log/{LOG_ID}", "/{lang}/enrol"])
def test_pages_render_the_same_bytes_every_time(client, lang, path):
    url = path.format(lang=lang)
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200
    assert first.data == second.data
    html = first.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{LANGUAGES[lang].direction}">' in html
    assert "csrf" not in html.lower()
    assert "set-cookie" not in {name.lower() for name in first.headers.keys()}


def test_the_enrolment_code_in_the_url_does_not_change_the_page(client):
    """The code is read by JavaScript, so the cached page serves every code."""
    assert client.get("/ne/enrol?code=ACDE-FGHJ").data == client.get("/ne/enrol").data


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_an_edit_page_is_the_log_page_shell(client, lang):
    """The service worker serves /<lang>/log for /<lang>/log/<id>: the server must agree."""
    assert client.get(f"/{lang}/log/{LOG_ID}").data == client.get(f"/{lang}/log").data


@pytest.mark.parametrize("url", ["/xx/log", "/en/log/not-an-id", "/en/log/../guides", "/xx/enrol"])
def test_unknown_pages_are_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_form_has_no_field_for_a_participant(client, lang):
    html = client.get(f"/{lang}/log").get_data(as_text=True)
    found = controls(html)
    names = {attrs.get("name") for _tag, attrs in found}
    assert {"guide", "held_on", "minutes", "district", "venue_type", "participants"} <= names
    for _tag, attrs in found:
        label = f"{attrs.get('name', '')} {attrs.get('id', '')}"
        assert not IDENTIFYING.search(label), f"a field that could identify someone: {label}"
        assert attrs.get("type") not in ("tel", "email", "file", "url"), attrs


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_number_fields_take_native_digits(client, lang):
    """type=number rejects ०-९ and ۰-۹: counts are numeric-keyboard text fields."""
    html = client.get(f"/{lang}/log").get_data(as_text=True)
    found = controls(html)
    assert not [attrs for _tag, attrs in found if attrs.get("type") == "number"]
    numeric = {attrs["name"] for _tag, attrs in found if attrs.get("inputmode") == "numeric"}
    offered = [c for c in REFERRAL_TYPES if c not in RETIRED_CODES]
    expected = {"minutes", "participants"} | {f"referral-{c}" for c in offered}
    assert expected <= numeric
    for _tag, attrs in found:
        if attrs.get("name") in expected:
            assert attrs["type"] == "text"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_vocabularies_are_offered(client, lang):
    found = controls(client.get(f"/{lang}/log").get_data(as_text=True))
    themes = {
        attrs["value"]
        for _tag, attrs in found
        if attrs.get("name") == "themes" and "hidden" not in attrs
    }
    assert themes == set(THEMES) - RETIRED_CODES
    html = client.get(f"/{lang}/log").get_data(as_text=True)
    for venue in VENUE_TYPES:
        assert f'<option value="{venue}">' in html


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_form_asks_nothing_the_guides_say_never_to_record(client, lang):
    """The guides say never ask who has worked away and record nothing about violence (lw-stigma,
    ko-paths): the form offers no returnee count and no violence theme or referral type.
    Old values stay in hidden fields, so editing an old log loses nothing."""
    html = client.get(f"/{lang}/log").get_data(as_text=True)
    found = controls(html)
    shown = [
        attrs for _tag, attrs in found if attrs.get("type") != "hidden" and "hidden" not in attrs
    ]
    assert not [a for a in shown if a.get("name") == "returnees"]
    assert not [a for a in shown if a.get("value") in RETIRED_CODES]
    assert not [a for a in shown if a.get("data-referral") in RETIRED_CODES]
    kept = {a.get("value") or a.get("data-referral") for _t, a in found} & RETIRED_CODES
    assert kept == RETIRED_CODES
    assert "women who have come back" not in html and "Violence" not in html


def test_nepali_page_offers_bikram_sambat_entry(client):
    assert "data-bs-year" in client.get("/ne/log").get_data(as_text=True)
    assert "data-bs-year" not in client.get("/en/log").get_data(as_text=True)


def test_the_page_carries_what_the_form_needs_offline(app, client):
    data = page_data(client.get("/ne/log").get_data(as_text=True))
    assert data["lang"] == "ne" and data["country"] == "NP"
    assert [code for code, _label, _province in data["districts"]["NP"]] == list(DISTRICTS["NP"])
    assert [code for code, _label, _province in data["districts"]["PK"]] == list(DISTRICTS["PK"])
    labels = {code: label for code, label, _province in data["districts"]["NP"]}
    assert labels["Sindhupalchok"] == "सिन्धुपाल्चोक"  # shown in the page's script, stored as code
    with app.app_context():
        from toolkit.library import library

        lib = library()
        guide, _fallback = lib.get("ne", "lw-our-work")
        assert data["content_version"] == lib.version
    by_slug = {guide["slug"]: guide for guide in data["guides"]}
    assert [step_id for step_id, _title in by_slug["lw-our-work"]["steps"]] == [
        step.id for step in guide.steps
    ]
    assert by_slug["lw-our-work"]["title"] == guide.title


def test_script_messages_are_in_the_page_language(client):
    english = page_data(client.get("/en/log").get_data(as_text=True))["strings"]
    for lang in ("ne", "ur"):
        strings = page_data(client.get(f"/{lang}/log").get_data(as_text=True))["strings"]
        assert strings.keys() == english.keys()
        same = [key for key in strings if strings[key] == english[key]]
        assert same == [], f"untranslated in {lang}: {same}"
        for key, text in strings.items():  # JavaScript fills {placeholders}: they must survive
            assert re.findall(r"\{\w+\}", text) == re.findall(r"\{\w+\}", english[key]), key


def test_configured_districts_extend_the_list(make_app):
    app = make_app(DISTRICTS={"NP": ["Newtown"]})
    data = page_data(app.test_client().get("/en/log").get_data(as_text=True))
    codes = [code for code, _label, _province in data["districts"]["NP"]]
    assert codes[: len(DISTRICTS["NP"])] == list(DISTRICTS["NP"]) and codes[-1] == "Newtown"


def test_bs_calendar_table_is_built_from_nepali_datetime(tmp_path):
    """The phone's BS table is exactly the server library's months (and the shipped file is fresh)."""
    built = write_bs_calendar(tmp_path).read_text(encoding="utf-8")
    shipped = ROOT / "static" / "js" / "bs-calendar.js"
    assert shipped.read_text(encoding="utf-8") == built, "run build.py"
    first_year = int(re.search(r"BS_FIRST_YEAR = (\d+);", built).group(1))
    rows = [json.loads(row) for row in re.findall(r"^  (\[[\d, ]+\]),$", built, re.M)]
    assert len(rows) == nepali_datetime.MAXYEAR - first_year + 1
    for year in (first_year, 2080, 2083, nepali_datetime.MAXYEAR):
        start = nepali_datetime.date(year, 1, 1).to_datetime_date()
        total = sum(rows[year - first_year])
        if year < nepali_datetime.MAXYEAR:
            following = nepali_datetime.date(year + 1, 1, 1).to_datetime_date()
            assert following - start == dt.timedelta(days=total)
